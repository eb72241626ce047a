"""Public domains generated from parameters: period ranges, numeric bins, explicit lists.

A steward who knows which months a table covers (or which revenue bands a report uses) declares
that set as a column's public domain, like a public code list: it comes from the steward's
declaration, never from the data, so a query grouped by it returns every group — empty ones
included — without partition selection and without δ.

A declaration is one line of text, the same in the CLI, the steward API and the steward page:

* ``months:2024-01:2025-12``, ``quarters:2024-Q1:2025-Q4``, ``years:2020:2025``,
  ``days:2024-01-01:2024-12-31`` — every period from the first to the last, both included;
* ``bins:0:5000000:500000`` — numeric bins of width 500000 from 0 to 5000000, with
  ``:overflow`` appended for one more bin holding every value above the top;
* ``list:A,B,C`` — an explicit list of values, in the order given.

Each object knows its size by arithmetic, so a domain far beyond the limit is refused before any
label is made (``check_size``); its labels are made only after that check.

How a row's value finds its group (``lab.gateway.planner`` writes it as SQL):

* a period: the value's ISO text (a date or text such as ``2024-03`` or ``2024-03-15``) read to
  the period's length — ``YYYY-MM-DD`` for days, ``YYYY-MM`` for months, ``YYYY`` for years, and
  ``YYYY-Qn`` for quarters (from the month, or from a value already written ``2024-Q1``);
* a bin: the stored integer v of a bounded column falls in bin ``⌊(v − lo)/step⌋``, i.e. the
  histogram's ``min(⌊(v − lo)·bins/(hi − lo)⌋, bins − 1)`` with ``hi − lo = bins·step`` (so hi
  belongs to the last bin); above hi it is in the overflow bin when declared;
* a list entry: the value's text equals it.

Any other value — outside the range, below the lowest bin, NULL, or written otherwise — falls in
no group; the answer's notes say so.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import pairwise

from lab.errors import InvalidInput

DEFAULT_MAX_GROUPS = 100_000
"""The largest domain (and cross product of domains in one query) accepted by default."""
LABEL_SEPARATOR = "\x1f"
"""The unit separator: no group label may hold it (the engine receives labels joined by it)."""
MAX_EDGE = 2**62
"""The largest |edge| of numeric bins in stored units: bin arithmetic stays within BIGINT."""
_LIST_SEPARATOR = ","
_OVERFLOW = "overflow"


class PeriodUnit(enum.StrEnum):
    """The length of one period of a period range."""

    DAYS = "days"
    MONTHS = "months"
    QUARTERS = "quarters"
    YEARS = "years"

    @property
    def example(self) -> str:
        """How one period of this unit is written."""
        return _EXAMPLES[self]

    def ordinal(self, label: str) -> int:
        """The period's position on this unit's axis; InvalidInput for a malformed label."""
        match = _PATTERNS[self].fullmatch(label)
        if match is None:
            raise InvalidInput(
                f"{label!r} is not a period of {self.value}; write it like {self.example}"
            )
        if self is PeriodUnit.DAYS:
            try:
                return date.fromisoformat(label).toordinal()
            except ValueError:
                raise InvalidInput(f"{label!r} is not a calendar day") from None
        year = int(match.group(1))
        if self is PeriodUnit.MONTHS:
            return year * 12 + int(match.group(2)) - 1
        if self is PeriodUnit.QUARTERS:
            return year * 4 + int(match.group(2)) - 1
        return year

    def label(self, ordinal: int) -> str:
        """The period at ``ordinal`` written as a label (the inverse of ``ordinal``)."""
        if self is PeriodUnit.DAYS:
            return date.fromordinal(ordinal).isoformat()
        if self is PeriodUnit.MONTHS:
            return f"{ordinal // 12:04d}-{ordinal % 12 + 1:02d}"
        if self is PeriodUnit.QUARTERS:
            return f"{ordinal // 4:04d}-Q{ordinal % 4 + 1}"
        return f"{ordinal:04d}"


_PATTERNS = {
    PeriodUnit.DAYS: re.compile(r"(\d{4})-(\d{2})-(\d{2})"),
    PeriodUnit.MONTHS: re.compile(r"(\d{4})-(0[1-9]|1[0-2])"),
    PeriodUnit.QUARTERS: re.compile(r"(\d{4})-Q([1-4])"),
    PeriodUnit.YEARS: re.compile(r"(\d{4})"),
}
_EXAMPLES = {
    PeriodUnit.DAYS: "2024-01-31",
    PeriodUnit.MONTHS: "2024-01",
    PeriodUnit.QUARTERS: "2024-Q1",
    PeriodUnit.YEARS: "2024",
}


@dataclass(frozen=True)
class PeriodRange:
    """Every period of ``unit`` from ``first`` to ``last`` (positions on the unit's axis)."""

    unit: PeriodUnit
    first: int
    last: int

    @property
    def size(self) -> int:
        """How many periods the range holds."""
        return self.last - self.first + 1

    @property
    def spec(self) -> str:
        """The declaration text, e.g. ``months:2024-01:2025-12``."""
        return f"{self.unit.value}:{self.unit.label(self.first)}:{self.unit.label(self.last)}"

    def labels(self) -> tuple[str, ...]:
        """The periods in order (call ``check_size`` first)."""
        return tuple(self.unit.label(o) for o in range(self.first, self.last + 1))

    def describe(self) -> str:
        """A reader's summary: ``months 2024-01 … 2025-12 (24)``."""
        first, last = self.unit.label(self.first), self.unit.label(self.last)
        return f"{self.unit.value} {first} … {last} ({self.size})"


@dataclass(frozen=True)
class NumericBins:
    """Equal bins of ``step`` over [lo, hi] in a column's stored integer units, with an optional
    overflow bin above hi. ``scale`` is the column's stored units per declared unit (labels are
    written in the declared unit)."""

    lo: int
    hi: int
    step: int
    overflow: bool = False
    scale: int = 1

    @property
    def bins(self) -> int:
        """How many bins cover [lo, hi] (the overflow bin not included)."""
        return (self.hi - self.lo) // self.step

    @property
    def size(self) -> int:
        """How many groups the domain holds, the overflow bin included."""
        return self.bins + int(self.overflow)

    @property
    def spec(self) -> str:
        """The declaration text, e.g. ``bins:0:5000000:500000:overflow``."""
        parts = ["bins", *(self._declared(v) for v in (self.lo, self.hi, self.step))]
        return ":".join(parts + [_OVERFLOW] * self.overflow)

    def labels(self) -> tuple[str, ...]:
        """``[lo, lo+step)`` … ``[hi−step, hi]`` and ``> hi`` (call ``check_size`` first)."""
        edges = [self._declared(self.lo + i * self.step) for i in range(self.bins + 1)]
        labels = [f"[{a}, {b})" for a, b in pairwise(edges[:-1])]
        labels.append(f"[{edges[-2]}, {edges[-1]}]")
        return tuple(labels + [f"> {edges[-1]}"] * self.overflow)

    def describe(self) -> str:
        """A reader's summary: ``bins of 500000 over [0, 5000000] and above (11)``."""
        above = " and above" if self.overflow else ""
        lo, hi, step = (self._declared(v) for v in (self.lo, self.hi, self.step))
        return f"bins of {step} over [{lo}, {hi}]{above} ({self.size})"

    def _declared(self, stored: int) -> str:
        return format(Decimal(stored).scaleb(-(len(str(self.scale)) - 1)).normalize(), "f")


@dataclass(frozen=True)
class ExplicitList:
    """A list of values the steward states, in the order stated."""

    values: tuple[str, ...]

    @property
    def size(self) -> int:
        """How many values the list holds."""
        return len(self.values)

    @property
    def spec(self) -> str:
        """The declaration text, e.g. ``list:A,B,C``."""
        return "list:" + _LIST_SEPARATOR.join(self.values)

    def labels(self) -> tuple[str, ...]:
        """The values in the order stated."""
        return self.values

    def describe(self) -> str:
        """A reader's summary: ``list of 3 values``."""
        return f"list of {self.size} values"


GeneratedDomain = PeriodRange | NumericBins | ExplicitList
KINDS = (*(unit.value for unit in PeriodUnit), "bins", "list")
"""The first word of every generated domain's declaration."""


def is_generated(spec: str) -> bool:
    """Whether ``spec`` declares a generated domain (rather than naming a public code list)."""
    return spec.split(":", 1)[0] in KINDS and ":" in spec


def parse_domain(spec: str, *, scale: int = 1) -> GeneratedDomain:
    """The domain ``spec`` declares (see the module doc); InvalidInput says what is wrong.

    ``scale`` is the stored units per declared unit of the column (bins of a fixed-point column
    must fall on whole stored units). Nothing is materialised here.
    """
    kind, _, rest = spec.partition(":")
    if kind in {unit.value for unit in PeriodUnit}:
        return _period_range(PeriodUnit(kind), rest)
    if kind == "bins":
        return _bins(rest, scale)
    if kind == "list":
        values = tuple(v.strip() for v in rest.split(_LIST_SEPARATOR))
        if not all(values) or len(set(values)) != len(values) or LABEL_SEPARATOR in rest:
            raise InvalidInput(
                f"domain {spec!r}: a list needs distinct, non-empty values separated by commas"
            )
        return ExplicitList(values)
    raise InvalidInput(
        f"domain {spec!r} is not a generated domain; start it with one of: {', '.join(KINDS)}"
    )


def check_size(domain: GeneratedDomain, column: str, max_groups: int) -> None:
    """Refuse a domain of more than ``max_groups`` groups, naming the column and the sizes."""
    if domain.size > max_groups:
        raise InvalidInput(
            f"the domain of {column!r} ({domain.spec}) has {domain.size:,} groups, more than "
            f"the {max_groups:,} a domain may hold (DATALAB_GATEWAY_MAX_DOMAIN_GROUPS); declare "
            "a shorter range or coarser periods or bins"
        )


def outside_note(column: str, domain: GeneratedDomain | None) -> str:
    """The answer's note on a key with a public domain: values outside it are in no group.

    It depends on the declaration alone (never on how many rows fell outside), so it is free.
    """
    if domain is None:
        return f'"{column}": values not in its public code list are in no group'
    what = "values outside" if isinstance(domain, PeriodRange | NumericBins) else "values not in"
    return f'"{column}": {what} its declared domain ({domain.describe()}) are in no group'


def _period_range(unit: PeriodUnit, rest: str) -> PeriodRange:
    first, colon, last = rest.partition(":")
    if not colon:
        raise InvalidInput(
            f"a {unit.value} range is {unit.value}:FIRST:LAST, e.g. "
            f"{unit.value}:{unit.example}:{unit.example}"
        )
    start, end = unit.ordinal(first.strip()), unit.ordinal(last.strip())
    if start > end:
        raise InvalidInput(f"the {unit.value} range {first}..{last} ends before it starts")
    return PeriodRange(unit, start, end)


def _bins(rest: str, scale: int) -> NumericBins:
    parts = rest.split(":")
    overflow = parts[-1] == _OVERFLOW
    numbers = parts[:-1] if overflow else parts
    usage = "bins are bins:LOW:HIGH:STEP[:overflow], e.g. bins:0:5000000:500000:overflow"
    if len(numbers) != 3:
        raise InvalidInput(usage)
    lo, hi, step = (_stored(text, scale, usage) for text in numbers)
    if step <= 0 or lo >= hi:
        raise InvalidInput(f"{usage}; LOW must be below HIGH and STEP positive")
    if max(abs(lo), abs(hi)) > MAX_EDGE:
        raise InvalidInput(f"bin edges must stay within ±{MAX_EDGE} stored units; {usage}")
    if (hi - lo) % step:
        raise InvalidInput(
            f"bins:{':'.join(numbers)}: HIGH − LOW must be a whole number of steps, so every bin "
            "has the same width"
        )
    return NumericBins(lo, hi, step, overflow, scale)


def _stored(text: str, scale: int, usage: str) -> int:
    """A declared number in stored integer units; refused unless it falls on a whole unit."""
    try:
        value = Decimal(text.strip()) * scale
    except InvalidOperation:
        raise InvalidInput(f"{text!r} is not a number; {usage}") from None
    if not value.is_finite() or value != value.to_integral_value():
        raise InvalidInput(
            f"bin edge {text!r} is not a whole multiple of the column's precision "
            f"({format(Decimal(1) / scale, 'f')})"
        )
    return int(value)
