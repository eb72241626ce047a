"""k-anonymity and l-diversity of a table over its quasi-identifiers, and the gate they guard.

``measure_anonymity`` groups rows by the quasi-identifier columns (a null is a value of its own)
and keeps the histogram of class sizes and, with a sensitive column, of distinct sensitive values
per class — enough to answer for any k or l without holding the data. ``gate`` raises
``GateFailed`` unless every class has at least k rows (default 10) and l distinct sensitive values
(default 2); a tier may be lowered only after it passes (DESIGN §6).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from classification.errors import ClassificationError, GateFailed

DEFAULT_K = 10
DEFAULT_L = 2


@dataclass(frozen=True)
class AnonymityReport:
    """Equivalence-class statistics of one table over ``quasi_identifiers``."""

    quasi_identifiers: tuple[str, ...]
    sensitive: str | None
    rows: int
    classes: int
    smallest_class: int
    smallest_diversity: int | None
    size_histogram: tuple[tuple[int, int], ...]
    diversity_histogram: tuple[tuple[int, int], ...]

    def classes_below_k(self, k: int = DEFAULT_K) -> int:
        """How many classes have fewer than ``k`` rows."""
        return sum(count for size, count in self.size_histogram if size < k)

    def rows_below_k(self, k: int = DEFAULT_K) -> int:
        """How many rows sit in classes smaller than ``k``."""
        return sum(size * count for size, count in self.size_histogram if size < k)

    def classes_below_l(self, l: int = DEFAULT_L) -> int:  # noqa: E741 (l is the standard name)
        """How many classes have fewer than ``l`` distinct sensitive values (0 without one)."""
        return sum(count for distinct, count in self.diversity_histogram if distinct < l)


def _histogram(values: pd.Series) -> tuple[tuple[int, int], ...]:
    """(value, how many classes have it), ascending."""
    counts = values.value_counts().sort_index()
    return tuple((int(v), int(n)) for v, n in counts.items())


def measure_anonymity(
    frame: pd.DataFrame, quasi_identifiers: list[str], sensitive: str | None = None
) -> AnonymityReport:
    """Class sizes (and sensitive diversity) of ``frame`` grouped by ``quasi_identifiers``."""
    missing = sorted(set(quasi_identifiers) - set(frame.columns))
    if not quasi_identifiers or missing or (sensitive is not None and sensitive not in frame):
        raise ClassificationError(
            f"quasi-identifiers {quasi_identifiers} / sensitive {sensitive!r} must name "
            f"columns of the table (missing: {missing or sensitive})"
        )
    groups = frame.groupby(list(quasi_identifiers), dropna=False, sort=False)
    sizes = groups.size()
    diversity = groups[sensitive].nunique(dropna=False) if sensitive is not None else None
    return AnonymityReport(
        quasi_identifiers=tuple(quasi_identifiers),
        sensitive=sensitive,
        rows=len(frame),
        classes=len(sizes),
        smallest_class=int(sizes.min()) if len(sizes) else 0,
        smallest_diversity=int(diversity.min()) if diversity is not None and len(sizes) else None,
        size_histogram=_histogram(sizes),
        diversity_histogram=_histogram(diversity) if diversity is not None else (),
    )


def gate(report: AnonymityReport, k: int = DEFAULT_K, l: int = DEFAULT_L) -> None:  # noqa: E741
    """Pass silently, or raise ``GateFailed`` saying which classes are too small or too uniform."""
    qis = ", ".join(report.quasi_identifiers)
    if report.rows == 0:
        raise GateFailed("an empty table cannot pass the anonymity gate")
    if report.smallest_class < k:
        raise GateFailed(
            f"k-anonymity gate failed over ({qis}): the smallest class has "
            f"{report.smallest_class} rows, needs ≥ {k}; {report.classes_below_k(k):,} of "
            f"{report.classes:,} classes ({report.rows_below_k(k):,} rows) are smaller — "
            "generalise further or suppress those rows"
        )
    if report.smallest_diversity is not None and report.smallest_diversity < l:
        raise GateFailed(
            f"l-diversity gate failed over ({qis}) for {report.sensitive}: a class has only "
            f"{report.smallest_diversity} distinct value(s), needs ≥ {l}; "
            f"{report.classes_below_l(l):,} of {report.classes:,} classes fall short"
        )
