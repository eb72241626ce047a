"""``Lab``: the analyst's handle on the DP gateway, answering in pandas DataFrames.

The gateway's URL and the kernel's token come from ``DATALAB_GATEWAY_URL`` and
``DATALAB_GATEWAY_TOKEN`` (set at spawn, DESIGN §5) unless passed explicitly. Nothing here
touches data: the gateway answers schemas, mock rows and DP releases (DESIGN §4).
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import quote

import pandas as pd

from .http import GatewayCaller, LabError
from .intervals import warn_wide_intervals

URL_ENV = "DATALAB_GATEWAY_URL"
TOKEN_ENV = "DATALAB_GATEWAY_TOKEN"  # noqa: S105 (the variable's name, not a secret)
API = "/api/gateway"

DATASET_COLUMNS = ["name", "title", "tier", "version"]
SCHEMA_COLUMNS = ["name", "kind", "bounds", "precision", "domain", "domain_spec"]
BUDGET_COLUMNS = [
    "dataset",
    "limit",
    "spent",
    "remaining",
    "delta_limit",
    "delta_spent",
    "delta_remaining",
    "org_remaining",
    "unit",
    "unit_remaining",
    "left",
    "delta_left",
    "accounting",
    "rho_limit",
    "rho_spent",
    "rho_remaining",
]
LEVEL_COLUMNS = [
    "dataset",
    "level",
    "scope",
    "limit",
    "spent",
    "remaining",
    "delta_limit",
    "delta_spent",
    "delta_remaining",
]
HISTORY_COLUMNS = ["dataset", "query", "epsilon", "delta", "state", "at"]
RELEASE_ATTRS = ("epsilon", "delta", "cached", "budget_left", "delta_left", "notes", "rho")

# The first FROM names the dataset: "tax-monthly" quoted, or a bare name such as tax_monthly.
_FROM = re.compile(r'\bFROM\s+(?:"([^"]+)"|([\w\-]+))', re.IGNORECASE)


class Lab:
    """A connection to the DP gateway: list datasets, read schemas, try mock rows, spend budget.

    ``Lab()`` reads ``DATALAB_GATEWAY_URL`` and ``DATALAB_GATEWAY_TOKEN``; ``url`` and ``token``
    override them. ``timeout`` (seconds) bounds every request.
    """

    def __init__(
        self, url: str | None = None, token: str | None = None, timeout: float = 60
    ) -> None:
        url = _setting(url, URL_ENV, "gateway URL", "url")
        token = _setting(token, TOKEN_ENV, "gateway token", "token")
        self._gateway = GatewayCaller(url, token, timeout)

    def __repr__(self) -> str:
        return f"Lab({self.url!r})"

    @property
    def url(self) -> str:
        """The gateway this handle talks to (the token is never shown)."""
        return self._gateway.base_url

    def datasets(self) -> pd.DataFrame:
        """The datasets this token may query: one row each (name, title, tier, version)."""
        answer = self._gateway.get(f"{API}/datasets")
        return pd.DataFrame(answer["datasets"], columns=DATASET_COLUMNS)

    def schema(self, name: str) -> pd.DataFrame:
        """The columns of dataset ``name`` (name, kind, bounds, precision, domain, domain_spec).

        ``domain`` lists a grouping column's public groups; ``domain_spec`` is the steward's
        generated domain behind them (e.g. ``months:2024-11:2026-10``), if any.

        ``df.attrs`` holds the dataset's other metadata, among them ``privacy_unit`` and
        ``max_rows_per_unit``.
        """
        answer = self._gateway.get(f"{API}/datasets/{_segment(name)}")
        frame = pd.DataFrame(answer["columns"], columns=SCHEMA_COLUMNS)
        frame.attrs = {key: value for key, value in answer.items() if key != "columns"}
        return frame

    def mock(self, name: str, n: int = 100) -> pd.DataFrame:
        """``n`` fake rows shaped like dataset ``name``, made from its metadata alone (no cost)."""
        answer = self._gateway.get(f"{API}/datasets/{_segment(name)}/mock", {"n": n})
        return pd.DataFrame(answer["rows"], columns=answer["columns"])

    def cost(
        self,
        sql: str,
        *,
        epsilon: float | None = None,
        delta: float = 0.0,
        dataset: str | None = None,
        rho: float | None = None,
        target_half_width: float | None = None,
        aggregate: str | None = None,
        target_relative: float | None = None,
        expected: float | None = None,
    ) -> dict[str, Any]:
        """What ``sql`` would cost at ``epsilon`` (or ``rho``, in a zCDP project), and how
        accurate it would be; spends nothing.

        Returns ``accounting``, ``epsilon``, ``delta``, ``rho`` and ``accuracy``: per aggregate
        the 95% interval half-width its answer will carry (exact for counts and sums, in the
        column's unit; a mean, variance or quantile gives its parts'). With
        ``target_half_width`` (and optionally ``aggregate``, e.g. ``"count(*)"``) the ε or ρ
        returned is the least that reaches it: "what ε gives ±50 on this count?". A relative
        target (``target_relative=0.05`` for ±5%) needs ``expected``, the value you expect
        (the gateway never reads the true one): a public figure, or the lower end of a cheap
        earlier answer's interval. Works for joins too (the dataset is the one after FROM).
        """
        body = _request(sql, epsilon, delta, dataset, rho)
        target = {
            "target_half_width": target_half_width,
            "target_relative": target_relative,
            "expected": expected,
        }
        if target_half_width is not None or target_relative is not None:
            body |= {k: v for k, v in target.items() if v is not None} | {"aggregate": aggregate}
            body.pop("epsilon", None)
            body.pop("rho", None)
        return self._gateway.post(f"{API}/cost", body)

    def query(
        self,
        sql: str,
        *,
        epsilon: float | None = None,
        delta: float = 0.0,
        dataset: str | None = None,
        rho: float | None = None,
    ) -> pd.DataFrame:
        """Run ``sql`` on the gateway, spending up to ``epsilon`` of the dataset's budget (or
        ``rho`` in a project the steward put under zCDP accounting: discrete Gaussian noise).

        The frame has the group keys, each DP value and its 95% interval as ``<value>_low`` and
        ``<value>_high``. ``df.attrs`` holds ``epsilon``, ``delta``, ``cached`` (a repeated query
        is answered from the cache at no cost), ``budget_left``, ``delta_left``, ``notes``
        (per key with a public domain: values outside it are in no group) and ``rho`` (the ρ
        charged under zCDP; ``epsilon`` is then the ε that ρ added to the budget). Grouping by
        a column with a public domain — a code list, or a declared range of months, quarters,
        years, days, numeric bins or a list — returns every group, empty ones included;
        grouping by a column without one needs ``delta`` > 0: only groups that DP partition
        selection releases appear. ``dataset`` defaults to the name after the SQL's ``FROM``.

        When an interval is wider than the value it qualifies, a ``WideIntervalWarning`` says
        which values and how to get informative ones (more ε, coarser groups).
        """
        answer = self._gateway.post(f"{API}/query", _request(sql, epsilon, delta, dataset, rho))
        frame = pd.DataFrame(answer["rows"], columns=answer["columns"])
        frame.attrs = {key: answer.get(key) for key in RELEASE_ATTRS}
        frame.attrs["notes"] = list(answer.get("notes") or ())
        warn_wide_intervals(frame)
        return frame

    def budget(self, levels: bool = False) -> pd.DataFrame:
        """Privacy budget per dataset: this project's limit, spent and remaining ε and δ.

        Every query is also charged to the organisation's budget on the dataset (shared by all
        its projects: ``org_remaining``) and on the dataset's privacy unit across all datasets
        about the same enterprises or people (``unit``, ``unit_remaining``); ``left`` and
        ``delta_left`` are what the tightest level leaves. ``levels=True`` gives one row per
        dataset and level (``project``, ``organisation_dataset``, ``organisation_unit``) instead.
        """
        answer = self._gateway.get(f"{API}/budget")
        if levels:
            rows = [
                {"dataset": item["dataset"], **level}
                for item in answer["budgets"]
                for level in item["levels"]
            ]
            return pd.DataFrame(rows, columns=LEVEL_COLUMNS)
        return pd.DataFrame([_budget_row(b) for b in answer["budgets"]], columns=BUDGET_COLUMNS)

    def history(self) -> pd.DataFrame:
        """The project's charged queries, newest first: dataset, text, ε, state, time."""
        answer = self._gateway.get(f"{API}/history")
        return pd.DataFrame(answer["queries"], columns=HISTORY_COLUMNS)


def _budget_row(item: dict[str, Any]) -> dict[str, Any]:
    """One dataset's budget flattened: the project's, then the organisation levels' remaining."""
    by_level = {level["level"]: level for level in item.get("levels", ())}
    organisation = by_level.get("organisation_dataset", {})
    unit = by_level.get("organisation_unit", {})
    return {
        **item,
        "org_remaining": organisation.get("remaining"),
        "unit": unit.get("scope", "").removeprefix("unit:") or None,
        "unit_remaining": unit.get("remaining"),
    }


def _setting(explicit: str | None, env: str, what: str, argument: str) -> str:
    value = explicit if explicit is not None else os.environ.get(env)
    if not value:
        raise LabError("not_configured", f"no {what}: set {env} or pass Lab({argument}=...)")
    return value


def _segment(name: str) -> str:
    return quote(name, safe="")


def _request(
    sql: str, epsilon: float | None, delta: float, dataset: str | None, rho: float | None = None
) -> dict[str, Any]:
    body = {"dataset": dataset or _dataset_from_sql(sql), "sql": sql, "delta": delta}
    if epsilon is not None:
        body["epsilon"] = epsilon
    if rho is not None:
        body["rho"] = rho
    return body


def _dataset_from_sql(sql: str) -> str:
    match = _FROM.search(sql)
    if match is None:
        raise LabError(
            "invalid_input",
            "cannot tell the dataset from the SQL (no FROM <name>): pass dataset=...",
        )
    return match.group(1) or match.group(2)
