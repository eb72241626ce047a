"""The lattice search: its solutions are exactly the minimal nodes a brute-force count finds.

The brute force below generalises every row with the declared hierarchy and counts classes in
plain Python dictionaries at every node — nothing of ``lattice``'s encoding or pruning.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter, defaultdict

import pandas as pd
import pytest

from classification.errors import ClassificationError
from classification.hierarchies import load_hierarchies
from classification.lattice import (
    Limits,
    QuasiIdentifier,
    apply_levels,
    measure_levels,
    search,
)

HS = load_hierarchies()
BY_NAME = {h.name: h for h in HS.hierarchies}
STREETS = ("八大关街道", "湛山街道", "台东街道", "辽宁路街道", "中韩街道", "李村街道")


def _people(count: int, seed: int) -> pd.DataFrame:
    rng = random.Random(seed)
    rows = [
        [
            f"{rng.randrange(1950, 2000)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
            rng.choice("男女"),
            rng.choice(STREETS),
            rng.choice(("A", "B", "C")),
        ]
        for _ in range(count)
    ]
    return pd.DataFrame(rows, columns=["出生日期", "性别", "街道", "收入档"]).astype(object)


QIS = [
    QuasiIdentifier("出生日期", BY_NAME["birth_date"]),
    QuasiIdentifier("性别", BY_NAME["gender"]),
    QuasiIdentifier("街道", BY_NAME["street"]),
]


def _brute_suppressed(frame: pd.DataFrame, node: tuple[int, ...], limits: Limits) -> int:
    """Rows in classes smaller than k or with fewer than l distinct sensitive values."""
    sizes, values = Counter(), defaultdict(set)
    keys = []
    for row in frame.itertuples(index=False):
        key = tuple(
            HS.generalise(q.hierarchy, getattr(row, q.column), level)
            for q, level in zip(QIS, node, strict=True)
        )
        keys.append(key)
        sizes[key] += 1
        values[key].add(row.收入档)
    return sum(1 for key in keys if sizes[key] < limits.k or len(values[key]) < limits.l)


@pytest.mark.parametrize(
    ("seed", "limits"),
    [(1, Limits()), (2, Limits(k=5, l=2, max_suppression=0.02)), (3, Limits(k=20, l=3))],
)
def test_solutions_are_exactly_the_minimal_nodes(seed: int, limits: Limits) -> None:
    """Every node the search returns meets the limits by brute force, no node below it does,
    and no minimal node is missed."""
    frame = _people(400, seed)
    allowed = limits.allowed_rows(len(frame))
    heights = [q.hierarchy.height for q in QIS]
    meets = {
        node: _brute_suppressed(frame, node, limits) <= allowed
        for node in itertools.product(*(range(h) for h in heights))
    }
    minimal = {
        node
        for node, ok in meets.items()
        if ok
        and not any(
            meets[(*node[:i], level - 1, *node[i + 1 :])] for i, level in enumerate(node) if level
        )
    }
    result = search(frame, QIS, ["收入档"], HS, limits)
    assert {s.levels for s in result.solutions} == minimal
    for solution in result.solutions:
        assert solution.suppressed == _brute_suppressed(frame, solution.levels, limits)
    losses = [s.information_loss for s in result.solutions]
    assert losses == sorted(losses)
    assert result.evaluated < result.nodes


def test_applied_extract_meets_k_and_l_and_drops_only_failing_rows() -> None:
    """The applied node keeps the original order, loses exactly the counted rows, and every
    class left has ≥ k rows and ≥ l sensitive values."""
    frame = _people(500, 7)
    limits = Limits(k=10, l=2)
    best = search(frame, QIS, ["收入档"], HS, limits).solutions[0]
    applied = apply_levels(frame, QIS, ["收入档"], HS, limits, best.levels)
    assert applied.suppressed == best.suppressed == len(frame) - len(applied.frame)
    headers = [applied.headers[q.column] for q in QIS]
    sizes = Counter(map(tuple, applied.frame[headers].itertuples(index=False)))
    assert min(sizes.values()) >= 10
    diversity = applied.frame.groupby(headers)["收入档"].nunique()
    assert diversity.min() >= 2
    measured = measure_levels(frame, QIS, ["收入档"], HS, limits, best.levels)
    assert measured == best


def test_information_loss_is_the_stated_metric() -> None:
    """Loss 0 at the finest node without suppression; 1/q per column hidden completely."""
    frame = pd.DataFrame({"性别": ["男", "女"] * 20, "收入档": ["A", "B"] * 20}).astype(object)
    qis = [QuasiIdentifier("性别", BY_NAME["gender"])]
    limits = Limits(k=10, l=1)
    assert measure_levels(frame, qis, [], HS, limits, (0,)).information_loss == 0
    assert measure_levels(frame, qis, [], HS, limits, (1,)).information_loss == 1


def test_sensitive_column_with_one_value_blocks() -> None:
    """When the whole table has fewer than l sensitive values, the blocker names that column."""
    frame = _people(100, 4).assign(收入档="A")
    result = search(frame, QIS, ["收入档"], HS, Limits())
    assert result.solutions == ()
    assert result.blocker.column == "收入档"
    assert "fewer than l = 2 distinct values" in result.blocker.message


@pytest.mark.parametrize(
    "limits", [{"k": 1}, {"l": 0}, {"max_suppression": 1.0}, {"max_suppression": -0.1}]
)
def test_bad_limits_are_refused(limits: dict) -> None:
    """k < 2, l < 1 and a suppression share outside [0, 1) are refused with the field named."""
    with pytest.raises(ClassificationError, match=next(iter(limits))):
        Limits(**limits)


def test_levels_outside_the_hierarchy_are_refused() -> None:
    """A level past a hierarchy's top is refused, naming the heights."""
    with pytest.raises(ClassificationError, match="do not fit the hierarchies"):
        apply_levels(_people(20, 5), QIS, [], HS, Limits(), (9, 0, 0))
