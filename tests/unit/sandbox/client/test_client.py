"""The notebook client SDK against a stand-in of the gateway's HTTP contract.

The stand-in is a standard-library HTTP server that records each request and answers what the
test set; the SDK against the real gateway is walked in a system test.
"""

from __future__ import annotations

import json
import socket
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from sandbox.client import Lab, LabError, WideIntervalWarning, plot_trend, plot_with_error_bars

TOKEN = "kernel-token-abc"
TAX = {
    "name": "tax-monthly",
    "title": "月度纳税",
    "tier": "T3",
    "version": 1,
    "privacy_unit": "统一社会信用代码",
    "max_rows_per_unit": 24,
    "columns": [
        {"name": "所属区", "kind": "text", "bounds": None, "domain": ["市南区", "市北区"]},
        {"name": "应纳税额（元）", "kind": "integer", "bounds": [0, 5000000], "domain": None},
    ],
}
RELEASE = {
    "columns": ["所属区", "count(*)", "count(*)_low", "count(*)_high"],
    "rows": [
        {"所属区": "市南区", "count(*)": 120, "count(*)_low": 110, "count(*)_high": 130},
        {"所属区": "市北区", "count(*)": 80, "count(*)_low": 70, "count(*)_high": 90},
    ],
    "epsilon": 0.5,
    "delta": 0.0,
    "cached": False,
    "budget_left": 0.75,
    "delta_left": 1e-6,
}
COUNT_SQL = 'SELECT "所属区", COUNT(*) FROM "tax-monthly" GROUP BY "所属区"'


@dataclass
class Seen:
    method: str
    path: str
    params: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeGateway:
    """Answers (method, path) with a set JSON body and status; records every request."""

    url: str = ""
    answers: dict[tuple[str, str], tuple[int, bytes, dict[str, str]]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    stall: bool = False

    def answer(self, method: str, path: str, body: Any, status: int = 200, **headers: str) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.answers[(method, path)] = (status, raw, headers)


def _handler(fake: FakeGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._serve(None)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            self._serve(json.loads(self.rfile.read(length)))

        def _serve(self, body: Any) -> None:
            parts = urlsplit(self.path)
            fake.seen.append(
                Seen(self.command, parts.path, parse_qs(parts.query), dict(self.headers), body)
            )
            if fake.stall:
                fake.release.wait(5)
            status, raw, headers = fake.answers.get(
                (self.command, parts.path), (404, b'{"error": {"code": "not_found"}}', {})
            )
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def _serve(fake: FakeGateway) -> Iterator[FakeGateway]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    yield from _serve(FakeGateway())


@pytest.fixture
def other_host() -> Iterator[FakeGateway]:
    yield from _serve(FakeGateway())


@pytest.fixture
def lab(gateway: FakeGateway) -> Lab:
    return Lab(url=gateway.url, token=TOKEN, timeout=5)


@pytest.fixture
def pyplot() -> Iterator[Any]:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- configuration -------------------------------------------------------------------------------


def test_lab_reads_url_and_token_from_environment(gateway, monkeypatch) -> None:
    """Lab() in a spawned kernel finds the gateway and token set at spawn, token as a header."""
    monkeypatch.setenv("DATALAB_GATEWAY_URL", gateway.url + "/")
    monkeypatch.setenv("DATALAB_GATEWAY_TOKEN", "env-token")
    gateway.answer("GET", "/api/gateway/datasets", {"datasets": []})
    Lab().datasets()
    assert gateway.seen[0].headers["Authorization"] == "Bearer env-token"
    assert gateway.seen[0].params == {}


def test_explicit_arguments_override_environment(gateway, monkeypatch) -> None:
    """url= and token= win over the environment."""
    monkeypatch.setenv("DATALAB_GATEWAY_URL", f"http://127.0.0.1:{_free_port()}")
    monkeypatch.setenv("DATALAB_GATEWAY_TOKEN", "env-token")
    gateway.answer("GET", "/api/gateway/datasets", {"datasets": []})
    Lab(url=gateway.url, token="explicit").datasets()
    assert gateway.seen[0].headers["Authorization"] == "Bearer explicit"


@pytest.mark.parametrize(("missing", "argument"), [("URL", "url"), ("TOKEN", "token")])
def test_missing_setting_names_the_variable_to_set(monkeypatch, missing, argument) -> None:
    """Without a URL or token, Lab() says which variable or argument to provide."""
    monkeypatch.setenv("DATALAB_GATEWAY_URL", "http://127.0.0.1:8600")
    monkeypatch.setenv("DATALAB_GATEWAY_TOKEN", "env-token")
    monkeypatch.delenv(f"DATALAB_GATEWAY_{missing}")
    with pytest.raises(LabError) as caught:
        Lab()
    assert caught.value.code == "not_configured"
    assert f"DATALAB_GATEWAY_{missing}" in caught.value.message
    assert f"Lab({argument}=" in caught.value.message


def test_url_must_be_http() -> None:
    """A non-HTTP gateway URL (file:, bare host) is refused before any request is made."""
    for url in ("file:///etc/passwd", "127.0.0.1:8600"):
        with pytest.raises(LabError, match="not_configured"):
            Lab(url=url, token=TOKEN)


def test_token_stays_out_of_repr_and_errors() -> None:
    """The token never shows in the handle's repr or in an error message."""
    lab = Lab(url=f"http://127.0.0.1:{_free_port()}", token=TOKEN, timeout=2)
    with pytest.raises(LabError) as caught:
        lab.budget()
    assert caught.value.code == "gateway_unreachable"
    assert caught.value.status is None
    assert TOKEN not in repr(lab) + str(caught.value)


# --- reading metadata ----------------------------------------------------------------------------


def test_datasets_lists_name_title_tier_version(lab, gateway) -> None:
    """datasets() gives one row per dataset with the four catalogue columns."""
    gateway.answer("GET", "/api/gateway/datasets", {"datasets": [TAX]})
    frame = lab.datasets()
    assert frame.to_dict("records") == [
        {"name": "tax-monthly", "title": "月度纳税", "tier": "T3", "version": 1}
    ]


def test_schema_has_columns_and_privacy_metadata(lab, gateway) -> None:
    """schema() lists the columns and exposes the privacy unit and row bound in attrs."""
    gateway.answer("GET", "/api/gateway/datasets/tax-monthly", TAX)
    frame = lab.schema("tax-monthly")
    assert list(frame.columns) == ["name", "kind", "bounds", "precision", "domain", "domain_spec"]
    assert list(frame["name"]) == ["所属区", "应纳税额（元）"]
    assert frame.loc[1, "bounds"] == [0, 5000000]
    assert frame.attrs["privacy_unit"] == "统一社会信用代码"
    assert frame.attrs["max_rows_per_unit"] == 24
    assert gateway.seen[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_schema_quotes_the_dataset_name_in_the_path(lab, gateway) -> None:
    """A name with a slash or non-ASCII text stays one path segment."""
    with pytest.raises(LabError):
        lab.schema("a/b 区")
    assert gateway.seen[0].path == "/api/gateway/datasets/a%2Fb%20%E5%8C%BA"


def test_mock_asks_for_n_rows_and_keeps_column_order(lab, gateway) -> None:
    """mock(name, n) sends n and returns the rows in the gateway's column order."""
    rows = [{"应纳税额（元）": 10, "所属区": "市南区"}, {"应纳税额（元）": 20, "所属区": "市北区"}]
    gateway.answer(
        "GET",
        "/api/gateway/datasets/tax-monthly/mock",
        {"columns": ["所属区", "应纳税额（元）"], "rows": rows},
    )
    frame = lab.mock("tax-monthly", n=2)
    assert gateway.seen[0].params == {"n": ["2"]}
    assert list(frame.columns) == ["所属区", "应纳税额（元）"]
    assert frame.shape == (2, 2)


# --- cost and query ------------------------------------------------------------------------------


def test_cost_posts_dataset_sql_and_epsilon(lab, gateway) -> None:
    """cost() asks the price of a query and returns it as a dict, spending nothing."""
    gateway.answer("POST", "/api/gateway/cost", {"epsilon": 0.5, "delta": 0.0})
    assert lab.cost(COUNT_SQL, epsilon=0.5) == {"epsilon": 0.5, "delta": 0.0}
    seen = gateway.seen[0]
    assert seen.body == {
        "dataset": "tax-monthly",
        "sql": COUNT_SQL,
        "epsilon": 0.5,
        "delta": 0.0,
    }
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.headers["Authorization"] == f"Bearer {TOKEN}"


def test_query_returns_values_intervals_and_release_facts(lab, gateway) -> None:
    """query() keeps the value and interval columns and puts ε, δ, cached, budget in attrs."""
    gateway.answer("POST", "/api/gateway/query", RELEASE)
    frame = lab.query(COUNT_SQL, epsilon=0.5)
    assert gateway.seen[0].body == {
        "dataset": "tax-monthly",
        "sql": COUNT_SQL,
        "epsilon": 0.5,
        "delta": 0.0,
    }
    assert list(frame.columns) == RELEASE["columns"]
    assert list(frame["count(*)_high"]) == [130, 90]
    assert frame.attrs == {
        "epsilon": 0.5,
        "delta": 0.0,
        "cached": False,
        "budget_left": 0.75,
        "delta_left": 1e-6,
        "notes": [],
        "rho": None,
    }


def test_an_interval_wider_than_its_value_warns_with_the_way_on(lab, gateway) -> None:
    """A count of 12 in [-30, 54] says little: query() warns, naming the value, the group and
    what to do; the frame is still returned whole."""
    rows = [
        {"所属区": "市南区", "count(*)": 120, "count(*)_low": 110, "count(*)_high": 130},
        {"所属区": "崂山区", "count(*)": 12, "count(*)_low": -30, "count(*)_high": 54},
    ]
    gateway.answer("POST", "/api/gateway/query", {**RELEASE, "rows": rows})
    with pytest.warns(WideIntervalWarning) as caught:
        frame = lab.query(COUNT_SQL, epsilon=0.01)
    message = str(caught[0].message)
    assert "count(*): 1 of 2" in message and "所属区=崂山区: 12 [-30, 54]" in message
    assert "more ε" in message and caught[0].filename == __file__
    assert frame["count(*)"].tolist() == [120, 12]


def test_informative_intervals_do_not_warn(lab, gateway) -> None:
    """Intervals narrower than their values (the usual answer) raise no warning."""
    gateway.answer("POST", "/api/gateway/query", RELEASE)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lab.query(COUNT_SQL, epsilon=0.5)


def test_zcdp_query_sends_rho_and_keeps_it_in_attrs(lab, gateway) -> None:
    """query(rho=...) sends ρ and no ε (a zCDP project); the ρ charged lands in attrs."""
    gateway.answer("POST", "/api/gateway/query", {**RELEASE, "rho": 0.01, "epsilon": 0.3})
    frame = lab.query(COUNT_SQL, rho=0.01)
    assert gateway.seen[0].body == {
        "dataset": "tax-monthly",
        "sql": COUNT_SQL,
        "rho": 0.01,
        "delta": 0.0,
    }
    assert frame.attrs["rho"] == 0.01 and frame.attrs["epsilon"] == 0.3


def test_cost_for_a_target_accuracy_sends_the_target_without_a_budget(lab, gateway) -> None:
    """cost(target_half_width=...) asks for the budget that reaches it: no ε or ρ is sent."""
    estimate = {"accounting": "pure", "epsilon": 1.2, "delta": 0.0, "rho": None, "accuracy": []}
    gateway.answer("POST", "/api/gateway/cost", estimate)
    assert lab.cost(COUNT_SQL, target_half_width=50, aggregate="count(*)") == estimate
    assert gateway.seen[0].body == {
        "dataset": "tax-monthly",
        "sql": COUNT_SQL,
        "delta": 0.0,
        "target_half_width": 50,
        "aggregate": "count(*)",
    }


@pytest.mark.parametrize(
    ("sql", "dataset"),
    [
        ('SELECT COUNT(*) FROM "tax-monthly"', "tax-monthly"),
        ("select count(*) from tax_monthly where x > 1", "tax_monthly"),
        ("SELECT COUNT(*)\nFROM\n  tax-monthly\nGROUP BY a", "tax-monthly"),
        ('SELECT "所属区", COUNT(*) FROM "纳税" GROUP BY "所属区"', "纳税"),
    ],
)
def test_dataset_is_read_from_the_from_clause(lab, gateway, sql, dataset) -> None:
    """Without dataset=, the name written after FROM is sent as it is written."""
    gateway.answer("POST", "/api/gateway/cost", {"epsilon": 1.0, "delta": 0.0})
    lab.cost(sql, epsilon=1.0)
    assert gateway.seen[0].body["dataset"] == dataset


def test_explicit_dataset_wins_over_from(lab, gateway) -> None:
    """dataset= is sent even when the SQL names another table."""
    gateway.answer("POST", "/api/gateway/query", RELEASE)
    lab.query(COUNT_SQL, epsilon=0.5, dataset="tax_monthly")
    assert gateway.seen[0].body["dataset"] == "tax_monthly"


def test_sql_without_from_needs_a_dataset(lab, gateway) -> None:
    """SQL with no FROM is refused locally with a fix-it message, before any request."""
    with pytest.raises(LabError, match="dataset=") as caught:
        lab.query("SELECT 1", epsilon=0.5)
    assert caught.value.code == "invalid_input"
    assert gateway.seen == []


# --- budget and history --------------------------------------------------------------------------


def _amounts(limit: float, spent: float) -> dict[str, float]:
    return {
        "limit": limit,
        "spent": spent,
        "remaining": limit - spent,
        "delta_limit": 1e-6,
        "delta_spent": 0.0,
        "delta_remaining": 1e-6,
    }


def test_budget_and_history_are_frames(lab, gateway) -> None:
    """budget() and history() give one row per dataset and per query with fixed columns;
    budget() shows the organisation's levels beside the project's, levels=True each level."""
    project = {
        "dataset": "tax-monthly",
        "limit": 1.0,
        "spent": 0.25,
        "remaining": 0.75,
        "delta_limit": 1e-6,
        "delta_spent": 0.0,
        "delta_remaining": 1e-6,
    }
    levels = [
        {"level": "project", "scope": "dataset:tax-monthly", **_amounts(1.0, 0.25)},
        {"level": "organisation_dataset", "scope": "dataset:tax-monthly", **_amounts(10, 2)},
        {"level": "organisation_unit", "scope": "unit:category:ENTERPRISE_ID", **_amounts(10, 9.5)},
    ]
    zcdp = {"accounting": "pure", "rho_limit": None, "rho_spent": None, "rho_remaining": None}
    budget = {**project, "left": 0.5, "delta_left": 1e-6, "levels": levels, **zcdp}
    past = {
        "dataset": "tax-monthly",
        "query": COUNT_SQL,
        "epsilon": 0.25,
        "delta": 0.0,
        "state": "released",
        "at": "2025-01-01T00:00:00Z",
    }
    gateway.answer("GET", "/api/gateway/budget", {"budgets": [budget]})
    gateway.answer("GET", "/api/gateway/history", {"queries": [past]})
    expected = {
        **project,
        "org_remaining": 8,
        "unit": "category:ENTERPRISE_ID",
        "unit_remaining": 0.5,
        "left": 0.5,
        "delta_left": 1e-6,
        **zcdp,
    }
    assert lab.budget().to_dict("records") == [expected]
    assert list(lab.budget().columns) == list(expected)
    per_level = lab.budget(levels=True)
    assert per_level["level"].tolist() == ["project", "organisation_dataset", "organisation_unit"]
    assert per_level["remaining"].tolist() == [0.75, 8, 0.5]
    assert lab.history().to_dict("records") == [past]
    assert list(pd.DataFrame(columns=list(past)).columns) == list(lab.history().columns)


# --- errors --------------------------------------------------------------------------------------


def test_error_shape_becomes_lab_error(lab, gateway) -> None:
    """The gateway's JSON error keeps its code, message, request id and HTTP status."""
    error = {"code": "budget_exhausted", "message": "not enough budget", "request_id": "r-1"}
    gateway.answer("POST", "/api/gateway/query", {"error": error}, status=409)
    with pytest.raises(LabError) as caught:
        lab.query(COUNT_SQL, epsilon=5.0)
    assert (caught.value.code, caught.value.message) == ("budget_exhausted", "not enough budget")
    assert (caught.value.status, caught.value.request_id) == (409, "r-1")


def test_error_without_the_shape_is_still_a_lab_error(lab, gateway) -> None:
    """A proxy's HTML error page becomes LabError with the status, not a JSON traceback."""
    gateway.answer("GET", "/api/gateway/budget", b"<html>Bad Gateway</html>", status=502)
    with pytest.raises(LabError) as caught:
        lab.budget()
    assert (caught.value.code, caught.value.status) == ("http_error", 502)


def test_non_json_success_is_a_lab_error(lab, gateway) -> None:
    """A 200 answer that is not a JSON object is reported, not half-parsed."""
    gateway.answer("GET", "/api/gateway/budget", b"[1, 2]")
    with pytest.raises(LabError, match="bad_answer"):
        lab.budget()


def test_slow_gateway_times_out(gateway) -> None:
    """A gateway that does not answer within the timeout raises LabError("timeout")."""
    gateway.stall = True
    with pytest.raises(LabError) as caught:
        Lab(url=gateway.url, token=TOKEN, timeout=0.2).budget()
    assert caught.value.code == "timeout"


def test_redirect_is_not_followed_with_the_token(lab, gateway, other_host) -> None:
    """A redirect to another host is refused, so the token is never sent there."""
    other_host.answer("GET", "/api/gateway/budget", {"budgets": []})
    gateway.answer(
        "GET",
        "/api/gateway/budget",
        b"",
        status=307,
        Location=f"{other_host.url}/api/gateway/budget",
    )
    with pytest.raises(LabError) as caught:
        lab.budget()
    assert caught.value.status == 307
    assert other_host.seen == []


# --- plotting ------------------------------------------------------------------------------------


def _errorbars(ax) -> list[Any]:
    from matplotlib.container import ErrorbarContainer

    return [c for c in ax.containers if isinstance(c, ErrorbarContainer)]


def test_plot_draws_each_group_with_its_interval(pyplot) -> None:
    """One point per group at its value, with a bar from its low to its high."""
    frame = pd.DataFrame(RELEASE["rows"], columns=RELEASE["columns"])
    ax = plot_with_error_bars(frame)
    (container,) = _errorbars(ax)
    points, _caps, (bars,) = container.lines
    assert list(points.get_ydata()) == [120, 80]
    spans = [(seg[0][1], seg[1][1]) for seg in bars.get_segments()]
    assert spans == [(110, 130), (70, 90)]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["市南区", "市北区"]


def test_plot_joins_group_keys_and_picks_the_asked_value(pyplot) -> None:
    """With two keys and two values, labels join the keys and value= selects the series."""
    frame = pd.DataFrame(
        {
            "所属区": ["市南区", "市北区"],
            "行业": ["C", "F"],
            "count(*)": [5, 6],
            "count(*)_low": [4, 5],
            "count(*)_high": [6, 7],
            "sum(x)": [50.0, 60.0],
            "sum(x)_low": [40.0, 50.0],
            "sum(x)_high": [60.0, 70.0],
        }
    )
    _, ax = pyplot.subplots()
    assert plot_with_error_bars(frame, "sum(x)", ax=ax) is ax
    (container,) = _errorbars(ax)
    assert list(container.lines[0].get_ydata()) == [50.0, 60.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["市南区 / C", "市北区 / F"]
    with pytest.raises(ValueError, match="value="):
        plot_with_error_bars(frame)


def test_plot_of_an_ungrouped_query_has_one_point(pyplot) -> None:
    """A query without GROUP BY plots its single value, labelled with the value's name."""
    frame = pd.DataFrame({"avg(x)": [3.0], "avg(x)_low": [2.0], "avg(x)_high": [4.5]})
    ax = plot_with_error_bars(frame)
    (container,) = _errorbars(ax)
    assert len(container.lines[0].get_xdata()) == 1
    assert [t.get_text() for t in ax.get_xticklabels()] == ["avg(x)"]


def test_trend_draws_a_line_and_band_per_series_in_period_order(pyplot) -> None:
    """plot_trend: one line per district over the months in the frame's order, each with its
    interval as a band from low to high."""
    frame = pd.DataFrame(
        {
            "所属期": ["2026-01", "2026-01", "2026-02", "2026-02", "2026-03", "2026-03"],
            "所属区": ["市南区", "市北区"] * 3,
            "count(*)": [5.0, 7.0, 6.0, 0.0, 8.0, 9.0],
            "count(*)_low": [3.0, 5.0, 4.0, -2.0, 6.0, 7.0],
            "count(*)_high": [7.0, 9.0, 8.0, 2.0, 10.0, 11.0],
        }
    )
    _, ax = pyplot.subplots()
    assert plot_trend(frame, x="所属期", by="所属区", ax=ax) is ax
    south, north = ax.get_lines()
    assert list(south.get_xdata()) == [0, 1, 2] and list(south.get_ydata()) == [5.0, 6.0, 8.0]
    assert list(north.get_ydata()) == [7.0, 0.0, 9.0]
    bands = ax.collections
    assert len(bands) == 2
    lows_highs = sorted(bands[1].get_paths()[0].vertices[:, 1].tolist())
    assert lows_highs[0] == -2.0 and lows_highs[-1] == 11.0
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2026-01", "2026-02", "2026-03"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["市南区", "市北区"]


def test_cost_for_a_relative_target_sends_it_with_the_expected_value(lab, gateway) -> None:
    """cost(target_relative=0.05, expected=...) sends both and no ε: ±5% of the value expected."""
    estimate = {"accounting": "pure", "epsilon": 0.4, "delta": 0.0, "target_half_width": 50.0}
    gateway.answer("POST", "/api/gateway/cost", estimate)
    assert lab.cost(COUNT_SQL, target_relative=0.05, expected=1000, epsilon=1.0) == estimate
    assert gateway.seen[0].body == {
        "dataset": "tax-monthly",
        "sql": COUNT_SQL,
        "delta": 0.0,
        "target_relative": 0.05,
        "expected": 1000,
        "aggregate": None,
    }
