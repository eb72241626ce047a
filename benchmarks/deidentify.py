"""Benchmark the lattice search for T2 de-identification against a plain pandas search.

    .venv/bin/python benchmarks/deidentify.py [--rows 1000000] [--baseline-rows 100000]

The table is a seeded person-level frame of strings (what the lab's extract builder hands the
search): birth date (66 years), sex, street (the 70 街道 of the region table), postcode (80 values)
and monthly income as the sensitive column. Quasi-identifiers use the packaged hierarchies
(birth date 5 levels, sex 2, street 3, postcode 3: 90 lattice nodes); k = 10, l = 2, 5% suppression.
Generation is not timed.

Timed, on the same table at ``--baseline-rows`` (the ratio) and at ``--rows`` (the target):

* baseline: every node of the lattice, each with pandas ``groupby`` over the generalised columns
  (size and distinct incomes per class), then the minimal nodes picked from the results — the
  search written plainly, without the reduction to distinct combinations or pruning;
* ``classification.lattice.search``: distinct-combination reduction, integer codes per level,
  bincount/hash counting, bottom-up pruning by monotonicity.

Both must find the same minimal nodes at ``--baseline-rows`` (checked). Prints a markdown table.
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
import pandas as pd

from classification.hierarchies import load_hierarchies
from classification.lattice import Limits, QuasiIdentifier, search

HS = load_hierarchies()
BY_NAME = {h.name: h for h in HS.hierarchies}
QIS = [
    QuasiIdentifier("出生日期", BY_NAME["birth_date"]),
    QuasiIdentifier("性别", BY_NAME["gender"]),
    QuasiIdentifier("街道", BY_NAME["street"]),
    QuasiIdentifier("邮编", BY_NAME["postcode"]),
]
SENSITIVE = "月收入"
LIMITS = Limits(k=10, l=2, max_suppression=0.05)


def people(rows: int, seed: int = 21) -> pd.DataFrame:
    """A seeded person-level frame of strings."""
    rng = np.random.default_rng(seed)
    streets = [s for _, names in HS.region.districts for s in names]
    born = pd.Timestamp("1940-01-01") + pd.to_timedelta(rng.integers(0, 365 * 66, rows), unit="D")
    return pd.DataFrame(
        {
            "出生日期": born.strftime("%Y-%m-%d"),
            "性别": rng.choice(["男", "女"], rows),
            "街道": rng.choice(streets, rows),
            "邮编": rng.choice([f"266{i:03d}" for i in range(80)], rows),
            SENSITIVE: rng.integers(2000, 30000, rows).astype(str),
        }
    ).astype(object)


def plain_search(frame: pd.DataFrame) -> set[tuple[int, ...]]:
    """Every node counted with pandas groupby; the minimal nodes meeting LIMITS."""
    levels = {}
    for q in QIS:
        uniques = frame[q.column].unique()
        for level in range(q.hierarchy.height):
            mapping = {v: HS.generalise(q.hierarchy, v, level) for v in uniques}
            levels[q.column, level] = frame[q.column].map(mapping)
    allowed = LIMITS.allowed_rows(len(frame))
    heights = [q.hierarchy.height for q in QIS]
    meets = {}
    for node in itertools.product(*(range(h) for h in heights)):
        table = pd.DataFrame(
            {q.column: levels[q.column, lvl] for q, lvl in zip(QIS, node, strict=True)}
        )
        table[SENSITIVE] = frame[SENSITIVE]
        groups = table.groupby([q.column for q in QIS], sort=False)[SENSITIVE]
        stats = groups.agg(["size", "nunique"])
        failing = (stats["size"] < LIMITS.k) | (stats["nunique"] < LIMITS.l)
        meets[node] = int(stats["size"][failing].sum()) <= allowed
    return {
        node
        for node, ok in meets.items()
        if ok
        and not any(meets[(*node[:i], v - 1, *node[i + 1 :])] for i, v in enumerate(node) if v)
    }


def timed(function, *args):
    """(wall seconds, CPU seconds of this process, result): the machine may be shared."""
    start, cpu = time.perf_counter(), time.process_time()
    result = function(*args)
    return (time.perf_counter() - start, time.process_time() - cpu), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=100_000)
    args = parser.parse_args()

    small = people(args.baseline_rows)
    plain_seconds, plain_nodes = timed(plain_search, small)
    ours_small_seconds, small_result = timed(search, small, QIS, [SENSITIVE], HS, LIMITS)
    assert {s.levels for s in small_result.solutions} == plain_nodes, "searches disagree"
    ratio = plain_seconds[0] / ours_small_seconds[0]

    large = people(args.rows)
    ours_seconds, result = timed(search, large, QIS, [SENSITIVE], HS, LIMITS)
    best = result.solutions[0]

    print("| table | search | wall s | CPU s | nodes evaluated / lattice | minimal solutions |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {args.baseline_rows:,} rows | plain pandas (baseline) | {plain_seconds[0]:.2f} | "
        f"{plain_seconds[1]:.2f} | "
        f"{small_result.nodes} / {small_result.nodes} | {len(plain_nodes)} |"
    )
    print(
        f"| {args.baseline_rows:,} rows | lattice.search | {ours_small_seconds[0]:.2f} | "
        f"{ours_small_seconds[1]:.2f} | "
        f"{small_result.evaluated} / {small_result.nodes} | {len(small_result.solutions)} |"
    )
    print(
        f"| {args.rows:,} rows | lattice.search | {ours_seconds[0]:.2f} | "
        f"{ours_seconds[1]:.2f} | "
        f"{result.evaluated} / {result.nodes} | {len(result.solutions)} |"
    )
    print()
    print(f"speed-up at {args.baseline_rows:,} rows (wall): {ratio:.1f}×")
    print(
        f"best at {args.rows:,} rows: {dict(zip(result.columns, best.level_names, strict=True))}, "
        f"{best.suppressed:,} suppressed, {best.classes:,} classes, "
        f"loss {best.information_loss:.4f}"
    )


if __name__ == "__main__":
    main()
