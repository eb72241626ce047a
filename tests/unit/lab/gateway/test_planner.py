"""Planner and DuckDB engine: the exact bounded aggregates a compiled plan returns."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lab.gateway.engine import DuckDBEngine, run_compiled
from lab.gateway.metadata import ColumnKind, TableMetadata
from lab.gateway.planner import Measure, MeasureKind, compile_plan, measures_for
from lab.gateway.query import plan_query

AMOUNT = "应纳税额（元）"
TABLE = TableMetadata(
    name="tax-monthly",
    columns={
        "unit": ColumnKind.TEXT,
        "所属区": ColumnKind.TEXT,
        "行业": ColumnKind.TEXT,
        "规模": ColumnKind.INTEGER,
        AMOUNT: ColumnKind.INTEGER,
    },
    privacy_unit="unit",
    max_rows_per_unit=3,
    bounds={AMOUNT: (0, 100)},
    public_domains={"所属区": ("A", "B", "C"), "规模": ("1", "2")},
)


def write(tmp_path: Path, rows: dict[str, list]) -> Path:
    """A Parquet file of ``rows`` with the table's storage types (bounded columns as BIGINT)."""
    types = {"unit": pa.string(), "所属区": pa.string(), "行业": pa.string(), "规模": pa.int64()}
    count = len(next(iter(rows.values())))
    columns = {name: rows.get(name, [None] * count) for name in [*types, AMOUNT]}
    schema = pa.schema([*types.items(), (AMOUNT, pa.int64())])
    path = tmp_path / "table.parquet"
    pq.write_table(pa.table(columns, schema=schema), path)
    return path


def run(sql: str, path: Path, *, bins: int = 4, delta: float = 0.0) -> list[dict]:
    """The engine's rows for ``sql`` over the file at ``path``."""
    compiled = compile_plan(plan_query(sql, [TABLE], delta=delta), bins=bins)
    return run_compiled(DuckDBEngine(threads=1), compiled, path).to_pylist()


def by_district(rows: list[dict]) -> dict[str, dict]:
    """Result rows keyed by district."""
    return {row["所属区"]: row for row in rows}


def test_out_of_range_values_count_as_their_bounds(tmp_path: Path) -> None:
    """A value below lo adds lo and one above hi adds hi: sums are of clamped values."""
    path = write(tmp_path, {"所属区": ["A", "A", "A"], AMOUNT: [-50, 40, 5000]})
    [row] = run(f'SELECT SUM("{AMOUNT}") FROM "tax-monthly"', path)
    assert row[f"sum:{AMOUNT}"] == 0 + 40 + 100


def test_nulls_add_nothing_and_are_not_counted(tmp_path: Path) -> None:
    """A NULL value adds 0 to the sum and is not in count:<col>, but its row is in rows."""
    path = write(tmp_path, {"所属区": ["A", "A", "A"], AMOUNT: [None, 7, None]})
    [row] = run(f'SELECT AVG("{AMOUNT}") FROM "tax-monthly"', path)
    assert (row["rows"], row[f"count:{AMOUNT}"], row[f"sum:{AMOUNT}"]) == (3, 1, 7)


def test_every_public_group_is_present_and_others_are_dropped(tmp_path: Path) -> None:
    """Empty public groups appear with zeros; keys outside the domain, NULL included, do not."""
    path = write(tmp_path, {"所属区": ["A", "Z", None, "A"], AMOUNT: [1, 2, 3, 4]})
    rows = run(
        f'SELECT "所属区", COUNT(*), SUM("{AMOUNT}") FROM "tax-monthly" GROUP BY "所属区"', path
    )
    assert [row["所属区"] for row in rows] == ["A", "B", "C"]
    assert by_district(rows)["C"] == {"所属区": "C", "rows": 0, f"sum:{AMOUNT}": 0}
    assert by_district(rows)["A"]["rows"] == 2


def test_integer_key_joins_its_public_codes(tmp_path: Path) -> None:
    """An integer key with a public domain of text codes is matched as text."""
    path = write(tmp_path, {"规模": [1, 1, 3], AMOUNT: [1, 2, 3]})
    rows = run('SELECT "规模", COUNT(*) FROM "tax-monthly" GROUP BY "规模"', path)
    assert rows == [{"规模": "1", "rows": 2}, {"规模": "2", "rows": 0}]


def test_large_sums_are_exact(tmp_path: Path) -> None:
    """Sums and sums of squares near the int64 limit are exact integers (HUGEINT)."""
    big = 10**15 - 1
    table = TableMetadata(
        name="big",
        columns={"u": "text", "v": "integer"},
        privacy_unit="u",
        max_rows_per_unit=1,
        bounds={"v": (0, 10**15)},
    )
    path = tmp_path / "big.parquet"
    pq.write_table(pa.table({"u": ["x"] * 5000, "v": pa.array([big] * 5000, pa.int64())}), path)
    compiled = compile_plan(plan_query('SELECT VARIANCE("v") FROM big', [table]))
    [row] = run_compiled(DuckDBEngine(), compiled, path).to_pylist()
    assert int(row["sum:v"]) == 5000 * big
    assert int(row["sum_squares:v"]) == 5000 * big * big


def test_histogram_counts_clamped_values_per_equal_width_bin(tmp_path: Path) -> None:
    """Bins split [lo, hi] evenly, hi falls in the last bin, clamped values in the edge bins."""
    values = [0, 24, -5, 25, 99, 100, 150, None]
    path = write(tmp_path, {"所属区": ["B"] * len(values), AMOUNT: values})
    rows = run(f'SELECT "所属区", MEDIAN("{AMOUNT}") FROM "tax-monthly" GROUP BY "所属区"', path)
    assert by_district(rows)["B"][f"histogram:{AMOUNT}"] == [3, 1, 0, 3]
    assert by_district(rows)["A"][f"histogram:{AMOUNT}"] == [0, 0, 0, 0]


def test_histogram_of_bounds_too_wide_for_bigint_arithmetic(tmp_path: Path) -> None:
    """Bounds whose bin arithmetic overflows BIGINT still bin exactly (HUGEINT fallback)."""
    lo, hi = -(2**62), 2**62
    table = TableMetadata(
        name="wide",
        columns={"u": "text", "v": "integer"},
        privacy_unit="u",
        max_rows_per_unit=1,
        bounds={"v": (lo, hi)},
    )
    values = [lo, -1, 0, 2**61, hi]
    path = tmp_path / "wide.parquet"
    pq.write_table(pa.table({"u": ["x"] * 5, "v": pa.array(values, pa.int64())}), path)
    compiled = compile_plan(plan_query('SELECT MEDIAN("v") FROM wide', [table]), bins=4)
    [row] = run_compiled(DuckDBEngine(), compiled, path).to_pylist()
    assert "HUGEINT" in compiled.sql and row["histogram:v"] == [1, 1, 1, 2]


def test_keys_without_domain_return_only_groups_found(tmp_path: Path) -> None:
    """Partition-selection keys are grouped as found; public keys beside them stay in-domain."""
    path = write(tmp_path, {"所属区": ["A", "Z", "A"], "行业": ["C", "C", "F"], AMOUNT: [1, 2, 3]})
    sql = 'SELECT "所属区", "行业", COUNT(*) FROM "tax-monthly" GROUP BY "所属区", "行业"'
    rows = run(sql, path, delta=1e-6)
    assert rows == [
        {"所属区": "A", "行业": "C", "rows": 1},
        {"所属区": "A", "行业": "F", "rows": 1},
    ]


def test_ungrouped_query_returns_one_row_when_nothing_matches(tmp_path: Path) -> None:
    """With no group keys the answer is one row, zeros when the filter keeps nothing."""
    path = write(tmp_path, {"所属区": ["A"], AMOUNT: [5]})
    rows = run(f'SELECT COUNT(*), SUM("{AMOUNT}") FROM "tax-monthly" WHERE "所属区" = \'Q\'', path)
    assert rows == [{"rows": 0, f"sum:{AMOUNT}": 0}]


def test_open_file_runs_like_its_path(tmp_path: Path) -> None:
    """An open file object (as the lab's memfd) is scanned through /proc/self/fd."""
    path = write(tmp_path, {"所属区": ["A", "B"], AMOUNT: [1, 2]})
    compiled = compile_plan(plan_query('SELECT COUNT(*) FROM "tax-monthly"', [TABLE]))
    with path.open("rb") as handle:
        assert run_compiled(DuckDBEngine(), compiled, handle).to_pylist() == [{"rows": 2}]


def test_measures_are_shared_between_aggregates() -> None:
    """SUM, AVG and STDDEV of one column need one sum, one count and one sum of squares."""
    plan = plan_query(
        f'SELECT SUM("{AMOUNT}"), AVG("{AMOUNT}"), STDDEV("{AMOUNT}") FROM "tax-monthly"', [TABLE]
    )
    kinds = [MeasureKind.ROWS, MeasureKind.SUM, MeasureKind.COUNT, MeasureKind.SUM_SQUARES]
    assert measures_for(plan) == (Measure(kinds[0]), *(Measure(k, AMOUNT) for k in kinds[1:]))


def pandas_reference(frame: pd.DataFrame, bins: int) -> dict[tuple, dict]:
    """The same bounded aggregates computed in pandas, for districts A–C and 规模 1–2."""
    kept = frame[(frame["行业"] != "F") & frame["所属区"].isin(["A", "B", "C"])]
    kept = kept[kept["规模"].isin([1, 2])]
    expected = {}
    for district in ("A", "B", "C"):
        for size in (1, 2):
            group = kept[(kept["所属区"] == district) & (kept["规模"] == size)]
            values = [min(max(int(v), 0), 100) for v in group[AMOUNT].dropna()]
            histogram = [0] * bins
            for value in values:
                histogram[min(value * bins // 100, bins - 1)] += 1
            expected[(district, str(size))] = {
                "rows": len(group),
                f"sum:{AMOUNT}": sum(values),
                f"count:{AMOUNT}": len(values),
                f"sum_squares:{AMOUNT}": sum(v * v for v in values),
                f"histogram:{AMOUNT}": histogram,
            }
    return expected


def test_duckdb_matches_a_pandas_computation(tmp_path: Path) -> None:
    """On seeded random rows the engine's grouped bounded aggregates equal pandas' exactly."""
    rng = random.Random(7)
    size = 2000
    rows = {
        "unit": [f"u{i}" for i in range(size)],
        "所属区": [rng.choice(["A", "B", "Z", None]) for _ in range(size)],
        "行业": [rng.choice(["C", "F", None]) for _ in range(size)],
        "规模": [rng.choice([1, 2, 3]) for _ in range(size)],
        AMOUNT: [rng.choice([None, rng.randint(-30, 130)]) for _ in range(size)],
    }
    path = write(tmp_path, rows)
    sql = (
        f'SELECT "所属区", "规模", VARIANCE("{AMOUNT}"), QUANTILE("{AMOUNT}", 0.25) '
        'FROM "tax-monthly" WHERE "行业" <> \'F\' OR "行业" IS NULL GROUP BY "所属区", "规模"'
    )
    result = {(row.pop("所属区"), row.pop("规模")): row for row in run(sql, path, bins=16)}
    result = {key: {k: _plain(v) for k, v in row.items()} for key, row in result.items()}
    assert result == pandas_reference(pd.DataFrame(rows), bins=16)


def _plain(value: object) -> object:
    """Decimal HUGEINT values as Python ints, other values unchanged."""
    return value if isinstance(value, int | list) else int(value)  # type: ignore[call-overload]


@pytest.mark.parametrize("bins", [0, -1])
def test_bins_must_be_positive(bins: int) -> None:
    """A histogram needs at least one bin."""
    with pytest.raises(ValueError, match="bins"):
        compile_plan(plan_query('SELECT COUNT(*) FROM "tax-monthly"', [TABLE]), bins=bins)
