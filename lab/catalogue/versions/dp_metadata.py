"""The DP metadata a steward declares for a restricted (T3/T4) version, checked on entry.

Privacy unit: the column whose value identifies one contributor (a credit code, a person
pseudonym). Max rows per unit: how many rows one contributor may add. Bounds: the clamping
interval of each numeric column that sums or averages may use. Precision: for a column with
non-integer values, its fixed-point step (0.1, 0.01 … 0.000001): publication stores value ÷
precision as an exact integer (explicit rounding, half away from zero) and the gateway answers
in the declared unit. Bounds must be whole multiples of the precision (whole numbers when none is
declared): a bound is never changed silently. Domains: for categorical columns, the name of a
*public* code list (``lab.reference``) — never values read off the data — or a domain generated
from the steward's parameters (``lab.gateway.domains``): a period range such as
``months:2024-01:2025-12``, numeric bins such as ``bins:0:5000000:500000:overflow`` (on a column
with bounds, edges in its declared unit) or ``list:A,B,C``. A generated domain larger than the
limit (``DATALAB_GATEWAY_MAX_DOMAIN_GROUPS``) is refused with its size, before any of it is made.
Unique per unit: columns whose value identifies at most one row of a unit (a monthly table's
month). Publication keeps one row per (unit, value) — chosen by the dataset's bounding seed, like
the rows kept under the row bound — so the declaration holds of the published table, and a join
that matches such a column has a smaller per-unit bound (``lab.gateway.joins``).

Storage: ``dp_metadata.bounds`` maps a column to ``[low, high]``, or ``[low, high, precision]``
when a precision is declared; ``declared_bounds`` reads either.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from classification import Tier
from lab.audit import AuditLog
from lab.clock import now
from lab.db.models import DatasetVersion, DpMetadata
from lab.errors import Conflict, InvalidInput
from lab.gateway.domains import (
    DEFAULT_MAX_GROUPS,
    GeneratedDomain,
    NumericBins,
    check_size,
    is_generated,
    parse_domain,
)
from lab.reference import PUBLIC_CODE_LISTS, public_code_list

MAX_ROWS_PER_UNIT = 10_000
MAX_CONTRIBUTION = 2**63 - 1
"""The largest sum one unit may add to an aggregate, max rows × the largest |bound|: the gateway
measures neighbouring aggregates in 64-bit integers (OpenDP's i64 distance)."""
MAX_DECIMALS = 6
"""The finest precision a column may declare: 0.000001 (publication reads values to 6 places)."""
MAX_STORED_MAGNITUDE = 10**15
"""Largest |bound| ÷ precision of a fixed-point column: its stored integers stay exact in a
double and far from BIGINT's end (whole-number columns are limited by ``check_representable``)."""
NUMERIC_SHARE_FOR_BOUNDS = 0.99
"""A column may have clamping bounds when at least this share of its values are numbers."""


@dataclass(frozen=True)
class DpDeclaration:
    """A validated DP metadata declaration for one version."""

    privacy_unit: str
    max_rows_per_unit: int
    bounds: Mapping[str, tuple[float, float]]
    domains: Mapping[str, str]
    precisions: Mapping[str, str] = field(default_factory=dict)
    unique_per_unit: tuple[str, ...] = ()

    def check_against(
        self,
        columns: list[str],
        numeric_share: Mapping[str, float],
        max_domain_groups: int = DEFAULT_MAX_GROUPS,
    ) -> None:
        """Refuse references to unknown columns, bad bounds, non-public and oversized domains."""
        known = set(columns)
        if self.privacy_unit not in known:
            raise InvalidInput(f"privacy unit {self.privacy_unit!r} is not a column")
        if not 1 <= self.max_rows_per_unit <= MAX_ROWS_PER_UNIT:
            raise InvalidInput(f"max rows per unit must be 1–{MAX_ROWS_PER_UNIT}")
        for column, (low, high) in self.bounds.items():
            if column not in known:
                raise InvalidInput(f"bounds name an unknown column {column!r}")
            if not (math.isfinite(low) and math.isfinite(high) and low < high):
                raise InvalidInput(f"bounds of {column!r} must be finite with low < high")
            if numeric_share.get(column, 0.0) < NUMERIC_SHARE_FOR_BOUNDS:
                raise InvalidInput(f"column {column!r} is not numeric; it cannot have bounds")
            DeclaredBounds(low, high, self.precisions.get(column)).check(column)
        for column in self.precisions:
            if column not in self.bounds:
                raise InvalidInput(f"precision of {column!r} needs bounds for that column")
        for column in self.unique_per_unit:
            if column not in known or column == self.privacy_unit:
                raise InvalidInput(
                    f"unique per unit names {column!r}, which is not a column besides the "
                    "privacy unit"
                )
        for column, code_list in self.domains.items():
            if column not in known:
                raise InvalidInput(f"a domain names an unknown column {column!r}")
            if is_generated(code_list):
                self._check_generated(column, code_list, max_domain_groups)
            elif code_list not in PUBLIC_CODE_LISTS:
                lists = ", ".join(sorted(PUBLIC_CODE_LISTS))
                raise InvalidInput(
                    f"domain {code_list!r} of {column!r} is not a public code list (one of: "
                    f"{lists}) nor a generated domain (e.g. months:2024-01:2025-12, "
                    "bins:0:5000000:500000:overflow, list:A,B,C)"
                )

    def _check_generated(self, column: str, spec: str, max_groups: int) -> None:
        """A generated domain must parse, fit the limit, and bin only a bounded column."""
        domain = parse_domain(spec, scale=DeclaredBounds(0, 1, self.precisions.get(column)).scale)
        if isinstance(domain, NumericBins) and column not in self.bounds:
            raise InvalidInput(
                f"numeric bins of {column!r} need bounds on {column!r} (declare them too): "
                "bins are computed on its stored numbers"
            )
        check_size(domain, column, max_groups)


def check_representable(max_rows_per_unit: int, bounds: Mapping[str, tuple[float, float]]) -> None:
    """Refuse bounds whose per-unit contribution cannot be held in a 64-bit integer.

    ``bounds`` are in stored units. A column whose max rows × largest |bound| exceeds
    ``MAX_CONTRIBUTION`` could never be summed or averaged at any ε (and its clamped values would
    not fit the BIGINT the engine casts them to), so it is refused when declared, naming the
    column and the largest bound that would fit.
    """
    for column, (low, high) in bounds.items():
        largest = math.ceil(max(abs(low), abs(high)))
        if largest * max_rows_per_unit > MAX_CONTRIBUTION:
            raise InvalidInput(
                f"bounds of {column!r} are too wide: one unit could add {max_rows_per_unit} × "
                f"{largest:.3g}, beyond the 64-bit limit {MAX_CONTRIBUTION}; keep |bounds| "
                f"within {MAX_CONTRIBUTION // max_rows_per_unit} at {max_rows_per_unit} rows per "
                "unit"
            )


def set_dp_metadata(
    session: Session,
    audit: AuditLog,
    *,
    version: DatasetVersion,
    declaration: DpDeclaration,
    actor: str,
    max_domain_groups: int = DEFAULT_MAX_GROUPS,
) -> DpMetadata:
    """Store (or replace) the declaration of a T3/T4 version that is not yet published.

    ``max_domain_groups`` is the largest generated domain accepted (the lab's setting
    ``gateway_max_domain_groups``).
    """
    if version.tier not in (Tier.T3.value, Tier.T4.value):
        raise Conflict("DP metadata belongs to versions decided T3 or T4")
    if version.state == "published":
        raise Conflict("a published version's DP metadata is fixed; ingest a new version")
    shares = {p["name"]: p["numeric_share"] for p in version.profile}
    declaration.check_against([p["name"] for p in version.profile], shares, max_domain_groups)
    stored = {
        c: DeclaredBounds(lo, hi, declaration.precisions.get(c)).stored()
        for c, (lo, hi) in declaration.bounds.items()
    }
    check_representable(declaration.max_rows_per_unit, stored)
    row = session.get(DpMetadata, version.id) or DpMetadata(version_id=version.id)
    row.privacy_unit, row.max_rows_per_unit = (
        declaration.privacy_unit,
        declaration.max_rows_per_unit,
    )
    row.bounds = {
        c: DeclaredBounds(lo, hi, declaration.precisions.get(c)).to_json()
        for c, (lo, hi) in declaration.bounds.items()
    }
    row.domains = dict(declaration.domains)
    row.unique_per_unit = sorted(set(declaration.unique_per_unit))
    row.updated_by, row.updated_at = actor, now()
    session.add(row)
    audit.append_in(
        session,
        actor=actor,
        action="dp_metadata.set",
        target=f"dataset-version:{version.id}",
        details={
            "privacy_unit": row.privacy_unit,
            "max_rows_per_unit": row.max_rows_per_unit,
            "bounds": row.bounds,
            "domains": row.domains,
            "unique_per_unit": row.unique_per_unit,
        },
    )
    return row


@dataclass(frozen=True)
class DeclaredBounds:
    """A column's bounds as the steward declared them, with its fixed-point precision if any."""

    low: float
    high: float
    precision: str | None = None

    @property
    def decimals(self) -> int:
        """Decimal places of the precision (0 without one): values are stored × 10^decimals."""
        return 0 if self.precision is None else precision_decimals(self.precision)

    @property
    def scale(self) -> int:
        """Stored integer units per declared unit."""
        return 10**self.decimals

    def stored(self) -> tuple[int, int]:
        """The bounds in stored integer units. Declarations are checked to be exact multiples;
        a version declared before that check is widened outward, never narrowed."""
        low, high = (Decimal(repr(float(v))).scaleb(self.decimals) for v in (self.low, self.high))
        return math.floor(low), math.ceil(high)

    def check(self, column: str) -> None:
        """Refuse bounds that the stored integers could not represent exactly, naming the column."""
        scaled = [Decimal(repr(float(v))).scaleb(self.decimals) for v in (self.low, self.high)]
        if any(v != v.to_integral_value() for v in scaled):
            raise InvalidInput(self._not_exact(column))
        if self.precision is not None and max(abs(v) for v in scaled) > MAX_STORED_MAGNITUDE:
            raise InvalidInput(
                f"bounds of {column!r} are too wide for fixed point: |bound| ÷ precision must "
                f"stay within {MAX_STORED_MAGNITUDE:.0e}"
            )

    def to_json(self) -> list[float | str]:
        """``[low, high]``, or ``[low, high, precision]`` with the precision written out (0.01)."""
        pair: list[float | str] = [self.low, self.high]
        if self.precision is None:
            return pair
        return [*pair, format(Decimal(1).scaleb(-self.decimals), "f")]

    def _not_exact(self, column: str) -> str:
        if self.precision is None:
            return (
                f"bounds of {column!r} ({self.low:g}, {self.high:g}) are not whole numbers: "
                "declare the column's precision (e.g. 0.1 for one decimal place) so its values "
                "are stored in fixed point, or give whole-number bounds"
            )
        return (
            f"bounds of {column!r} ({self.low:g}, {self.high:g}) are not whole multiples of its "
            f"precision {self.precision}"
        )


def precision_decimals(precision: str) -> int:
    """The decimal places of a precision 1, 0.1, … 0.000001; InvalidInput for anything else."""
    try:
        value = Decimal(str(precision)).normalize()
    except InvalidOperation:
        value = Decimal("NaN")
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int):  # "n", "N" or "F": not a finite number
        exponent = 1
    if value.as_tuple().digits != (1,) or value.is_signed() or not -MAX_DECIMALS <= exponent <= 0:
        raise InvalidInput(f"precision {precision!r} must be 1, 0.1, 0.01, … or 0.000001")
    return -exponent


def declared_bounds(stored: Mapping[str, list]) -> dict[str, DeclaredBounds]:
    """The declared bounds of a ``dp_metadata.bounds`` mapping, per column."""
    return {column: DeclaredBounds(*entry) for column, entry in stored.items()}


def declared_domains(
    domains: Mapping[str, str], bounds: Mapping[str, DeclaredBounds]
) -> tuple[dict[str, tuple[str, ...]], dict[str, GeneratedDomain]]:
    """A ``dp_metadata.domains`` mapping read back: (code lists' codes, generated domains).

    The declarations were checked when stored, so they parse (bins at their column's scale).
    """
    code_lists, generated = {}, {}
    for column, spec in domains.items():
        if is_generated(spec):
            scale = bounds[column].scale if column in bounds else 1
            generated[column] = parse_domain(spec, scale=scale)
        else:
            code_lists[column] = public_code_list(spec)
    return code_lists, generated
