"""What the gateway knows about a restricted table: its schema and the steward's privacy settings.

The lab builds one ``TableMetadata`` per published dataset version from its database; the gateway
plans every query against it alone, never against data.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from lab.gateway.domains import GeneratedDomain, NumericBins


class ColumnKind(enum.StrEnum):
    """The storage kind of a column, which decides the comparisons and aggregates it allows."""

    TEXT = "text"
    INTEGER = "integer"
    FLOAT = "float"


@dataclass(frozen=True)
class Bounds:
    """The steward's clamping bounds of a numeric column, in its stored integer units.

    ``scale`` is how many stored units make one declared unit: 1 for integer columns, 10^k for a
    fixed-point column of precision 10^-k (stored value = declared value × scale). Every
    sensitivity is in stored units; the gateway divides answers by the scale (``fixed_point``).
    """

    lo: int
    hi: int
    scale: int = 1

    def __post_init__(self) -> None:
        if not (isinstance(self.lo, int) and isinstance(self.hi, int)):
            raise ValueError(f"bounds must be integers in stored units: ({self.lo!r}, {self.hi!r})")
        if self.lo >= self.hi:
            raise ValueError(f"lower bound {self.lo} must be below upper bound {self.hi}")
        if self.scale < 1 or str(self.scale).rstrip("0") != "1":
            raise ValueError(f"a fixed-point scale is a power of ten, got {self.scale!r}")


@dataclass(frozen=True)
class TableMetadata:
    """A restricted table as the gateway sees it: name, columns, privacy unit, bounds, domains.

    ``bounds`` accepts ``(lo, hi)`` pairs (or ``(lo, hi, scale)``) and ``public_domains`` any
    sequence of public codes; both are frozen on creation. Bounded columns are stored as BIGINT
    (fixed-point ones in units of their precision). ``generated_domains`` are the steward's
    period ranges, numeric bins and lists (``domains``); their labels are added to
    ``public_domains`` on creation (size-checked when they were declared), so every reader of
    public domains sees them, and the planner reads the rule that maps a value to its group here.
    ``unique_per_unit`` names the columns whose value the steward declared unique per unit (a
    monthly table's month: at most one row per unit and month, enforced at publication);
    ``unit_kind`` is the kind of privacy unit (``units``), which decides what may be joined.
    """

    name: str
    columns: Mapping[str, ColumnKind]
    privacy_unit: str
    max_rows_per_unit: int
    bounds: Mapping[str, Bounds] = field(default_factory=dict)
    public_domains: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    generated_domains: Mapping[str, GeneratedDomain] = field(default_factory=dict)
    unique_per_unit: frozenset[str] = frozenset()
    unit_kind: str | None = None

    def __post_init__(self) -> None:
        columns = {name: ColumnKind(kind) for name, kind in self.columns.items()}
        bounds = {name: _as_bounds(b) for name, b in self.bounds.items()}
        domains = {name: tuple(codes) for name, codes in self.public_domains.items()}
        generated = dict(self.generated_domains)
        for name, domain in generated.items():
            if name in domains:
                raise ValueError(f"column {name!r} has both a code list and a generated domain")
            domains[name] = domain.labels()
        object.__setattr__(self, "columns", MappingProxyType(columns))
        object.__setattr__(self, "bounds", MappingProxyType(bounds))
        object.__setattr__(self, "public_domains", MappingProxyType(domains))
        object.__setattr__(self, "generated_domains", MappingProxyType(generated))
        object.__setattr__(self, "unique_per_unit", frozenset(self.unique_per_unit))
        self._check()

    def _check(self) -> None:
        if self.privacy_unit not in self.columns:
            raise ValueError(f"privacy unit {self.privacy_unit!r} is not a column of {self.name!r}")
        if self.max_rows_per_unit < 1:
            raise ValueError(f"max_rows_per_unit must be at least 1, got {self.max_rows_per_unit}")
        for name in self.bounds:
            if self.columns.get(name) not in (ColumnKind.INTEGER, ColumnKind.FLOAT):
                raise ValueError(f"bounds given for {name!r}, which is not a numeric column")
        for name, codes in self.public_domains.items():
            if name not in self.columns:
                raise ValueError(f"public domain given for unknown column {name!r}")
            if not codes or len(set(codes)) != len(codes):
                raise ValueError(f"public domain of {name!r} must be non-empty without duplicates")
        for name, domain in self.generated_domains.items():
            if isinstance(domain, NumericBins) and self.bounds.get(name) is None:
                raise ValueError(f"numeric bins of {name!r} need the column's bounds")
        for name in self.unique_per_unit:
            if name not in self.columns or name == self.privacy_unit:
                raise ValueError(f"{name!r} cannot be unique per unit: not another column")

    @property
    def aliases(self) -> frozenset[str]:
        """The names a query may use for this table: the slug and the slug with ``_`` for ``-``."""
        return frozenset({self.name, self.name.replace("-", "_")})

    @property
    def unit_columns(self) -> frozenset[str]:
        """The columns that identify privacy units (never a group key or a raw output)."""
        return frozenset({self.privacy_unit})


def _as_bounds(value: Bounds | tuple[int, ...]) -> Bounds:
    """A ``Bounds`` from itself, an ``(lo, hi)`` pair or an ``(lo, hi, scale)`` triple."""
    return value if isinstance(value, Bounds) else Bounds(*value)
