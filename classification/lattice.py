"""The search over the generalisation lattice: every minimal way to meet k and l within a limit.

A node of the lattice gives each quasi-identifier one level of its hierarchy (full-domain
generalisation: every value of a column goes to the same level). At a node, rows fall into
equivalence classes; the rows of every class smaller than ``k`` or with fewer than ``l``
distinct values of a sensitive column are suppressed (removed), and the node is a solution when
at most ``max_suppression`` of the rows go. Both properties are monotone — coarsening a column
merges classes, and a merged class fails only if all its parts failed — so once a node is a
solution, every generalisation of it is too. The search walks the lattice bottom-up by height,
evaluates only nodes none of whose direct predecessors is a solution, and keeps the solutions
found that way: they are exactly the minimal ones.

Counting is vectorised: the table is first reduced to its distinct combinations of
(quasi-identifier values, sensitive values) with weights; each level of each column is an
integer code array over those combinations, a node's classes are a mixed-radix key over them,
and class sizes and distinct sensitive values come from ``bincount`` or hashing (pandas).

Information loss (stated in docs/classification.md) is Iyengar's loss metric: a generalised
cell costs (leaves under its label − 1) / (leaves of the column − 1), where the leaves are the
column's distinct finest values in the table; a suppressed row costs 1 in every column; the
node's loss is the mean over all cells of the table. Solutions rank by loss, then rows
suppressed, then more classes first.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from classification.errors import ClassificationError
from classification.hierarchies import Hierarchy, HierarchySet

DEFAULT_K = 10
DEFAULT_L = 2
DEFAULT_MAX_SUPPRESSION = 0.05
_DENSE_LIMIT = 1 << 22


@dataclass(frozen=True)
class Limits:
    """What a solution must meet: k, l and the share of rows that may be suppressed."""

    k: int = DEFAULT_K
    l: int = DEFAULT_L  # noqa: E741 (l is the standard name)
    max_suppression: float = DEFAULT_MAX_SUPPRESSION

    def __post_init__(self) -> None:
        """Refuse k < 2, l < 1 and a suppression share outside [0, 1)."""
        if type(self.k) is not int or self.k < 2:
            raise ClassificationError(f"k must be an integer ≥ 2, not {self.k!r}")
        if type(self.l) is not int or self.l < 1:
            raise ClassificationError(f"l must be an integer ≥ 1, not {self.l!r}")
        if not 0 <= self.max_suppression < 1:
            raise ClassificationError(
                f"max_suppression is a share of rows in [0, 1), not {self.max_suppression!r}"
            )

    def allowed_rows(self, rows: int) -> int:
        """How many of ``rows`` may be suppressed."""
        return int(np.floor(self.max_suppression * rows + 1e-9))


@dataclass(frozen=True)
class QuasiIdentifier:
    """A column the search generalises, with its hierarchy."""

    column: str
    hierarchy: Hierarchy


@dataclass(frozen=True)
class Solution:
    """One minimal node: its level per quasi-identifier and what it costs."""

    levels: tuple[int, ...]
    level_names: tuple[str, ...]
    suppressed: int
    classes: int
    smallest_class: int
    information_loss: float

    def to_json(self, columns: tuple[str, ...]) -> dict[str, Any]:
        """The shape the lab stores and shows."""
        return {
            "levels": dict(zip(columns, self.levels, strict=True)),
            "level_names": dict(zip(columns, self.level_names, strict=True)),
            "suppressed": self.suppressed,
            "classes": self.classes,
            "smallest_class": self.smallest_class,
            "information_loss": round(self.information_loss, 6),
        }


@dataclass(frozen=True)
class Blocker:
    """Why no node meets the limits, and what would."""

    column: str | None
    needed_suppression: float
    largest_k: int
    message: str


@dataclass(frozen=True)
class SearchResult:
    """Every minimal solution, best first, or the blocker when there is none."""

    columns: tuple[str, ...]
    sensitive: tuple[str, ...]
    limits: Limits
    rows: int
    solutions: tuple[Solution, ...]
    nodes: int
    evaluated: int
    blocker: Blocker | None


@dataclass(frozen=True)
class _Column:
    """One column over the distinct combinations: finest codes, and per level codes/labels/loss."""

    bottom: np.ndarray
    level_codes: tuple[np.ndarray, ...]
    level_labels: tuple[tuple[Any, ...], ...]
    level_loss: tuple[np.ndarray, ...]
    row_codes: np.ndarray


@dataclass(frozen=True)
class _Encoded:
    rows: int
    weights: np.ndarray
    inverse: np.ndarray
    qis: tuple[_Column, ...]
    sensitive: tuple[tuple[np.ndarray, np.ndarray], ...]


@dataclass(frozen=True)
class _Evaluation:
    suppressed: int
    classes: int
    smallest_class: int
    failing: np.ndarray
    class_of: np.ndarray
    sizes: np.ndarray
    distinct: np.ndarray


def _factorize(values: pd.Series) -> tuple[np.ndarray, list[Any]]:
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes.astype(np.int64), [None if pd.isna(u) else u for u in uniques]


def _encode_column(values: pd.Series, hierarchy: Hierarchy, hs: HierarchySet) -> _Column:
    """Codes of a column's distinct values at each level, with their labels and loss."""
    row_codes, uniques = _factorize(values)
    leaves = max(len(uniques) - 1, 1)
    codes, labels, losses = [], [], []
    for level in range(hierarchy.height):
        generalised = pd.Series([hs.generalise(hierarchy, v, level) for v in uniques], dtype=object)
        level_codes, level_labels = _factorize(generalised)
        under = np.bincount(level_codes, minlength=len(level_labels))
        codes.append(level_codes)
        labels.append(tuple(level_labels))
        losses.append((under[level_codes] - 1) / leaves)
    return _Column(row_codes, tuple(codes), tuple(labels), tuple(losses), row_codes)


def _combine(key: np.ndarray, card: int, codes: np.ndarray, size: int) -> tuple[np.ndarray, int]:
    """A mixed-radix key over two code arrays, re-densified before it could overflow."""
    if card * size >= 1 << 62:
        key, uniques = pd.factorize(key)
        card = len(uniques)
    return key * size + codes, card * size


def _encode(
    frame: pd.DataFrame,
    qis: list[QuasiIdentifier],
    sensitive: list[str],
    hs: HierarchySet,
    l: int,  # noqa: E741 (l is the standard name)
) -> _Encoded:
    """Reduce the table to its distinct quasi-identifier combinations with weights, and keep for
    each combination at most ``l`` distinct values of each sensitive column: a class has ≥ l
    values exactly when the union of its combinations' kept values does, so the l-diversity
    counts stay exact below l while the pairs to count shrink to at most l per combination."""
    columns = [_encode_column(frame[q.column], q.hierarchy, hs) for q in qis]
    key, card = np.zeros(len(frame), dtype=np.int64), 1
    for column in columns:
        key, card = _combine(key, card, column.row_codes, max(len(column.level_codes[0]), 1))
    inverse, uniques = pd.factorize(key)
    inverse = inverse.astype(np.int64)
    _, first = np.unique(inverse, return_index=True)
    weights = np.bincount(inverse, minlength=len(uniques)).astype(np.int64)
    reduced = tuple(
        _Column(c.row_codes[first], c.level_codes, c.level_labels, c.level_loss, c.row_codes)
        for c in columns
    )
    kept = tuple(_first_values(inverse, frame[s], l) for s in sensitive)
    return _Encoded(len(frame), weights, inverse, reduced, kept)


def _first_values(
    combination: np.ndarray,
    values: pd.Series,
    l: int,  # noqa: E741
) -> tuple[np.ndarray, np.ndarray]:
    """(combination, value code) pairs: at most ``l`` distinct values per combination."""
    codes, uniques = _factorize(values)
    size = max(len(uniques), 1)
    pairs = pd.unique(combination * size + codes)
    owner, code = pairs // size, pairs % size
    order = np.argsort(owner, kind="stable")
    owner, code = owner[order], code[order]
    rank = np.arange(len(owner)) - np.searchsorted(owner, owner, side="left")
    keep = rank < l
    return owner[keep], code[keep]


def _class_key(encoded: _Encoded, node: tuple[int | None, ...]) -> tuple[np.ndarray, int]:
    """Dense class ids of the combinations at ``node`` (None: leave that column out)."""
    key, card = np.zeros(len(encoded.weights), dtype=np.int64), 1
    for column, level in zip(encoded.qis, node, strict=True):
        if level is None:
            continue
        codes = column.level_codes[level][column.bottom]
        key, card = _combine(key, card, codes, len(column.level_labels[level]))
    if card <= _DENSE_LIMIT:
        return key, card
    dense, uniques = pd.factorize(key)
    return dense.astype(np.int64), len(uniques)


def _distinct(encoded: _Encoded, class_of: np.ndarray, classes: int, l: int) -> np.ndarray:  # noqa: E741
    """Distinct values of the least diverse sensitive column per class, counted up to ``l``
    (a large number without sensitive columns). Each round counts the classes that still hold
    a value, then removes one value per class (every pair carrying it): no hashing, O(pairs)."""
    fewest = np.full(classes, np.iinfo(np.int64).max, dtype=np.int64)
    for owner, codes in encoded.sensitive:
        holder, values = class_of[owner], codes
        counted = np.zeros(classes, dtype=np.int64)
        for _ in range(l):
            counted += np.bincount(holder, minlength=classes) > 0
            picked = np.empty(classes, dtype=np.int64)
            picked[holder] = values
            others = values != picked[holder]
            holder, values = holder[others], values[others]
        fewest = np.minimum(fewest, counted)
    return fewest


def _evaluate(encoded: _Encoded, node: tuple[int | None, ...], limits: Limits) -> _Evaluation:
    """Class sizes and diversity at ``node``, and the rows its failing classes suppress."""
    class_of, classes = _class_key(encoded, node)
    sizes = np.bincount(class_of, weights=encoded.weights, minlength=classes).astype(np.int64)
    distinct = _distinct(encoded, class_of, classes, limits.l)
    failing = (sizes > 0) & ((sizes < limits.k) | (distinct < limits.l))
    kept = (sizes > 0) & ~failing
    smallest = int(sizes[kept].min()) if kept.any() else 0
    return _Evaluation(
        int(sizes[failing].sum()), int(kept.sum()), smallest, failing, class_of, sizes, distinct
    )


def _loss(encoded: _Encoded, node: tuple[int, ...], evaluation: _Evaluation) -> float:
    """Iyengar's loss metric of ``node``: mean cell loss, suppressed rows costing 1 per cell."""
    if not encoded.qis:
        return evaluation.suppressed / max(encoded.rows, 1)
    kept = ~evaluation.failing[evaluation.class_of]
    total = 0.0
    for column, level in zip(encoded.qis, node, strict=True):
        cell = column.level_loss[level][column.bottom]
        total += float((cell * encoded.weights)[kept].sum())
    total += evaluation.suppressed * len(encoded.qis)
    return total / (encoded.rows * len(encoded.qis))


def _names(qis: list[QuasiIdentifier], node: tuple[int, ...]) -> tuple[str, ...]:
    return tuple(q.hierarchy.level_name(level) for q, level in zip(qis, node, strict=True))


def search(
    frame: pd.DataFrame,
    qis: list[QuasiIdentifier],
    sensitive: list[str],
    hierarchies: HierarchySet,
    limits: Limits = Limits(),
) -> SearchResult:
    """Every minimal full-domain generalisation of ``frame`` meeting ``limits``, best first."""
    _check_columns(frame, qis, sensitive)
    encoded = _encode(frame, qis, sensitive, hierarchies, limits.l)
    allowed = limits.allowed_rows(len(frame))
    heights = [q.hierarchy.height for q in qis]
    nodes = sorted(itertools.product(*(range(h) for h in heights)), key=sum)
    met: set[tuple[int, ...]] = set()
    solutions, evaluated = [], 0
    for node in nodes:
        below = ((*node[:i], level - 1, *node[i + 1 :]) for i, level in enumerate(node) if level)
        if any(p in met for p in below):
            met.add(node)
            continue
        evaluated += 1
        evaluation = _evaluate(encoded, node, limits)
        if evaluation.suppressed <= allowed and evaluation.classes > 0:
            met.add(node)
            loss = _loss(encoded, node, evaluation)
            solutions.append(
                Solution(
                    node,
                    _names(qis, node),
                    evaluation.suppressed,
                    evaluation.classes,
                    evaluation.smallest_class,
                    loss,
                )
            )
    solutions.sort(key=lambda s: (s.information_loss, s.suppressed, -s.classes))
    blocker = None if solutions else _blocker(encoded, qis, sensitive, limits, heights)
    return SearchResult(
        tuple(q.column for q in qis),
        tuple(sensitive),
        limits,
        len(frame),
        tuple(solutions),
        len(nodes),
        evaluated,
        blocker,
    )


def _check_columns(frame: pd.DataFrame, qis: list[QuasiIdentifier], sensitive: list[str]) -> None:
    named = [q.column for q in qis] + list(sensitive)
    missing = sorted(set(named) - set(frame.columns))
    if missing:
        raise ClassificationError(f"columns {missing} are not in the table")
    if len(named) != len(set(named)):
        raise ClassificationError("a column may be a quasi-identifier or sensitive, not both")
    if len(frame) == 0:
        raise ClassificationError("an empty table cannot be de-identified")


def _blocker(
    encoded: _Encoded,
    qis: list[QuasiIdentifier],
    sensitive: list[str],
    limits: Limits,
    heights: list[int],
) -> Blocker:
    """Name what keeps even the coarsest node from meeting the limits, and what limit would."""
    rows = encoded.rows
    top = tuple(h - 1 for h in heights)
    at_top = _evaluate(encoded, top, limits)
    needed = at_top.suppressed / rows
    largest_k = _largest_k(at_top, limits, rows)
    column, detail = None, ""
    flat = _evaluate(encoded, tuple(None for _ in qis), limits)
    if flat.suppressed == rows and sensitive:
        column = sensitive[0] if len(sensitive) == 1 else ", ".join(sensitive)
        detail = f"; the sensitive column {column} has fewer than l = {limits.l} distinct values"
    elif qis:
        without = [
            _evaluate(encoded, (*top[:i], None, *top[i + 1 :]), limits).suppressed
            for i in range(len(qis))
        ]
        best = int(np.argmin(without))
        column = qis[best].column
        detail = (
            f"; {column} blocks it — without it {without[best]:,} rows "
            f"({without[best] / rows:.1%}) would be suppressed"
        )
    coarsest = ", ".join(f"{q.column}: {n}" for q, n in zip(qis, _names(qis, top), strict=True))
    message = (
        f"no generalisation meets k = {limits.k}, l = {limits.l} within "
        f"{limits.max_suppression:.1%} suppression: even the coarsest levels ({coarsest or '—'}) "
        f"suppress {at_top.suppressed:,} of {rows:,} rows ({needed:.1%}){detail}; "
        + _what_would_work(needed, largest_k, limits)
    )
    return Blocker(column, needed, largest_k, message)


def _largest_k(at_top: _Evaluation, limits: Limits, rows: int) -> int:
    """The largest k ≤ limits.k that the coarsest node meets within the limit (0 if none)."""
    allowed = limits.allowed_rows(rows)
    present = at_top.sizes > 0
    diverse = at_top.distinct >= limits.l
    for k in range(limits.k, 1, -1):
        failing = present & ((at_top.sizes < k) | ~diverse)
        if at_top.sizes[failing].sum() <= allowed and (present & ~failing).any():
            return k
    return 0


def _what_would_work(needed: float, largest_k: int, limits: Limits) -> str:
    """The limits under which the coarsest node would pass."""
    k_hint = f"k = {largest_k} would work within the limit" if largest_k >= 2 else ""
    if needed >= 1:
        return f"no suppression limit works at k = {limits.k}" + (f"; {k_hint}" if k_hint else "")
    limit = np.ceil(needed * 1000) / 1000
    return f"a suppression limit of {limit:.1%} would work" + (f", or {k_hint}" if k_hint else "")


def measure_levels(
    frame: pd.DataFrame,
    qis: list[QuasiIdentifier],
    sensitive: list[str],
    hierarchies: HierarchySet,
    limits: Limits,
    levels: tuple[int, ...],
) -> Solution:
    """What one node costs (rows suppressed, classes, loss), whether it meets the limits or not."""
    _check_columns(frame, qis, sensitive)
    _check_levels(qis, levels)
    encoded = _encode(frame, qis, sensitive, hierarchies, limits.l)
    evaluation = _evaluate(encoded, tuple(levels), limits)
    loss = _loss(encoded, tuple(levels), evaluation)
    return Solution(
        tuple(levels),
        _names(qis, tuple(levels)),
        evaluation.suppressed,
        evaluation.classes,
        evaluation.smallest_class,
        loss,
    )


def _check_levels(qis: list[QuasiIdentifier], levels: tuple[int, ...]) -> None:
    fits = len(levels) == len(qis) and all(
        type(level) is int and 0 <= level < q.hierarchy.height
        for q, level in zip(qis, levels, strict=False)
    )
    if not fits:
        heights = {q.column: q.hierarchy.height - 1 for q in qis}
        raise ClassificationError(
            f"levels {list(levels)} do not fit the hierarchies: one level per quasi-identifier, "
            f"from 0 up to {heights}"
        )


@dataclass(frozen=True)
class Applied:
    """The generalised table of one node with its failing classes' rows removed."""

    frame: pd.DataFrame
    suppressed: int
    headers: dict[str, str]


def apply_levels(
    frame: pd.DataFrame,
    qis: list[QuasiIdentifier],
    sensitive: list[str],
    hierarchies: HierarchySet,
    limits: Limits,
    levels: tuple[int, ...],
) -> Applied:
    """Generalise ``frame`` to ``levels``, drop the rows of failing classes, rename headers."""
    _check_columns(frame, qis, sensitive)
    _check_levels(qis, levels)
    encoded = _encode(frame, qis, sensitive, hierarchies, limits.l)
    evaluation = _evaluate(encoded, tuple(levels), limits)
    dropped = evaluation.failing[evaluation.class_of][encoded.inverse]
    out = frame.loc[~dropped].copy()
    headers = {}
    for q, column, level in zip(qis, encoded.qis, levels, strict=True):
        codes = column.level_codes[level][column.row_codes[~dropped]]
        labels = np.array(column.level_labels[level], dtype=object)
        out[q.column] = labels[codes] if len(codes) else []
        header = q.hierarchy.header(q.column, level)
        headers[q.column] = (
            header if header == q.column or header not in frame.columns else q.column
        )
    return Applied(out.rename(columns=headers).reset_index(drop=True), int(dropped.sum()), headers)
