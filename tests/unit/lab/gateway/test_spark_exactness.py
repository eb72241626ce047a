"""Exactness before noise: the compiled plan gives identical exact aggregates on DuckDB and Spark.

Every query shape the gateway accepts runs through ``compile_plan`` once and then on both
engines over the same Parquet: a table built here with the edge cases (NULLs, values outside
the bounds and the domains, fixed-point values, sums near the int64 limit, bounds too wide for
BIGINT bin arithmetic, LIKE's special characters), and a table published through the lab's real
publication path and read from its decrypted anonymous memory file. Spark runs in local mode,
one session for the whole test run (``tests/fixtures/spark.py``).
"""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lab.gateway.domains import parse_domain
from lab.gateway.engine import DuckDBEngine
from lab.gateway.metadata import ColumnKind, TableMetadata
from lab.gateway.planner import compile_plan
from lab.gateway.query import plan_query
from lab.gateway.targets import table_metadata
from lab.services import LabServices
from tests.unit.lab.gateway.restricted import publish_tax_table

AMOUNT = "应纳税额（元）"
BIG = 10**15
WIDE = 2**62
TABLE = TableMetadata(
    name="edge",
    columns={
        "unit": ColumnKind.TEXT,
        "所属区": ColumnKind.TEXT,
        "行业": ColumnKind.TEXT,
        "所属期": ColumnKind.TEXT,
        "日期": ColumnKind.TEXT,
        "规模": ColumnKind.TEXT,
        "档次": ColumnKind.INTEGER,
        AMOUNT: ColumnKind.INTEGER,
        "利率": ColumnKind.FLOAT,
        "资产": ColumnKind.INTEGER,
        "差额": ColumnKind.INTEGER,
        "营收": ColumnKind.INTEGER,
    },
    privacy_unit="unit",
    max_rows_per_unit=4,
    bounds={
        AMOUNT: (0, 100_000),
        "利率": (-150, 250, 100),
        "资产": (0, BIG),
        "差额": (-WIDE, WIDE),
        "营收": (0, 1000),
    },
    public_domains={"所属区": ("市南区", "市北区", "崂山区", "空区"), "档次": ("1", "2", "3")},
    generated_domains={
        "所属期": parse_domain("months:2024-01:2024-06"),
        "日期": parse_domain("quarters:2024-Q1:2024-Q4"),
        "规模": parse_domain("list:大型,中型,小型"),
        "营收": parse_domain("bins:0:1000:250:overflow"),
    },
)
SCHEMA = pa.schema(
    [
        ("unit", pa.string()),
        ("所属区", pa.string()),
        ("行业", pa.string()),
        ("所属期", pa.string()),
        ("日期", pa.date32()),
        ("规模", pa.string()),
        ("档次", pa.int64()),
        (AMOUNT, pa.int64()),
        ("利率", pa.int64()),
        ("资产", pa.int64()),
        ("差额", pa.int64()),
        ("营收", pa.int64()),
    ]
)
ROWS = 3000


def _maybe(rng: random.Random, value, none_share: float = 0.1):
    """``value``, or NULL with probability ``none_share``."""
    return None if rng.random() < none_share else value


def _edge_rows(rng: random.Random) -> dict[str, list]:
    """Rows with every edge the plan defines: NULLs, out-of-bound and out-of-domain values."""
    districts = ["市南区", "市北区", "崂山区", "黄岛区"]  # 空区 stays empty; 黄岛区 is outside
    industries = ["a_b", "a\\b", "a%b", "制造业", "批发业", "ab"]
    months = ["2024-01", "2024-03", "2024-06-30", "2023-12", "2024-07", "2024/02", "24-01"]
    columns: dict[str, list] = {name: [] for name in SCHEMA.names}
    for i in range(ROWS):
        row = {
            "unit": f"u{i // 4}",
            "所属区": _maybe(rng, rng.choice(districts)),
            "行业": _maybe(rng, rng.choice(industries)),
            "所属期": _maybe(rng, rng.choice(months)),
            "日期": _maybe(rng, rng.randint(19_700, 20_200)),  # days since 1970: 2023–2025
            "规模": _maybe(rng, rng.choice(["大型", "中型", "小型", "微型"])),
            "档次": _maybe(rng, rng.randint(0, 4)),
            AMOUNT: _maybe(rng, rng.randint(-20_000, 150_000)),
            "利率": _maybe(rng, rng.randint(-300, 400)),
            "资产": _maybe(rng, rng.choice([BIG - 1, BIG, BIG + 7, rng.randint(0, BIG)])),
            "差额": _maybe(rng, rng.randint(-(2**63) + 1, 2**63 - 1)),
            "营收": _maybe(rng, rng.randint(-100, 1300)),
        }
        for name, value in row.items():
            columns[name].append(value)
    return columns


@pytest.fixture(scope="module")
def edge_table(tmp_path_factory) -> Path:
    """The edge-case table as Parquet with the published storage types."""
    path = tmp_path_factory.mktemp("edge") / "edge.parquet"
    pq.write_table(pa.table(_edge_rows(random.Random(14)), schema=SCHEMA), path)
    return path


A = f'"{AMOUNT}"'
SHAPES = {
    "count rows": ("SELECT COUNT(*) FROM edge", 0.0),
    "every aggregate kind": (
        f"SELECT COUNT(*), COUNT({A}), SUM({A}), AVG({A}), VARIANCE({A}), STDDEV({A}), "
        f"MEDIAN({A}), QUANTILE({A}, 0.9) FROM edge",
        0.0,
    ),
    "public domain with an empty group": (
        f'SELECT "所属区", COUNT(*), SUM({A}), MEDIAN({A}) FROM edge GROUP BY "所属区"',
        0.0,
    ),
    "integer key matched to text codes": (
        'SELECT "档次", COUNT(*), AVG("营收") FROM edge GROUP BY "档次"',
        0.0,
    ),
    "two public keys": (
        f'SELECT "所属区", "档次", COUNT(*), SUM({A}) FROM edge GROUP BY "所属区", "档次"',
        0.0,
    ),
    "partition selection with a NULL key": (
        f'SELECT "行业", COUNT(*), SUM({A}), QUANTILE({A}, 0.25) FROM edge GROUP BY "行业"',
        1e-6,
    ),
    "partition selection beside a public key": (
        f'SELECT "所属区", "行业", COUNT(*), MEDIAN({A}) FROM edge GROUP BY "所属区", "行业"',
        1e-6,
    ),
    "month periods from text": (
        f'SELECT "所属期", COUNT(*), SUM({A}) FROM edge GROUP BY "所属期"',
        0.0,
    ),
    "quarter periods from dates": ('SELECT "日期", COUNT(*) FROM edge GROUP BY "日期"', 0.0),
    "explicit list": ('SELECT "规模", COUNT(*), STDDEV("营收") FROM edge GROUP BY "规模"', 0.0),
    "numeric bins with overflow": (
        'SELECT "营收", COUNT(*), SUM("营收") FROM edge GROUP BY "营收"',
        0.0,
    ),
    "fixed-point clamping and WHERE in the declared unit": (
        'SELECT SUM("利率"), VARIANCE("利率"), MEDIAN("利率") FROM edge WHERE "利率" > -0.5',
        0.0,
    ),
    "large sums and sums of squares": ('SELECT VARIANCE("资产"), MEDIAN("资产") FROM edge', 0.0),
    "bin arithmetic too wide for BIGINT": (
        'SELECT "所属区", MEDIAN("差额"), SUM("差额") FROM edge GROUP BY "所属区"',
        0.0,
    ),
    "LIKE with underscore, percent and backslash": (
        "SELECT COUNT(*) FROM edge WHERE \"行业\" LIKE 'a\\_%' OR \"行业\" LIKE 'a_b'",
        0.0,
    ),
    "IN, BETWEEN, IS NULL, NOT and text order": (
        f'SELECT "所属区", COUNT(*), AVG({A}) FROM edge WHERE ("档次" IN (1, 3) '
        f'OR {A} BETWEEN 10 AND 50000) AND NOT "规模" IS NULL AND "行业" >= \'制\' '
        f'GROUP BY "所属区"',
        0.0,
    ),
    "NULL-only column values": (
        f'SELECT "所属区", AVG({A}) FROM edge WHERE {A} IS NULL GROUP BY "所属区"',
        0.0,
    ),
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_spark_and_duckdb_agree_exactly(shape: str, edge_table: Path, spark_engine) -> None:
    """One compiled plan, the same exact aggregates (keys, order, values, types' values) on
    both engines: a rendering that changed rounding, division, NULLs or bins would differ."""
    sql, delta = SHAPES[shape]
    compiled = compile_plan(plan_query(sql, [TABLE], delta=delta))
    expected = DuckDBEngine(threads=1).run(compiled, [edge_table]).to_pylist()
    assert any(row["rows"] for row in expected), "the shape must select some rows"
    assert spark_engine.run(compiled, [edge_table]).to_pylist() == expected


def test_published_table_agrees_from_its_memory_file(
    sqlite_lab: LabServices, tmp_path, spark_engine
) -> None:
    """A table published by the lab, read from its decrypted anonymous memory file (as the
    gateway hands it over): per-district counts, sums and medians equal on both engines."""
    publish_tax_table(sqlite_lab, tmp_path, units=50)
    with sqlite_lab.sessions() as session:
        metadata, _, key = table_metadata(session, "tax")
    sql = f'SELECT "所属区", COUNT(*), SUM({A}), MEDIAN({A}) FROM tax GROUP BY "所属区"'
    compiled = compile_plan(plan_query(sql, [metadata]))
    with sqlite_lab.sealed.open_plaintext_memfd(key) as plaintext:
        expected = DuckDBEngine().run(compiled, [plaintext])
        found = spark_engine.run(compiled, [plaintext])
    assert found.to_pylist() == expected.to_pylist()
    assert sum(expected.column("rows").to_pylist()) == 50 * 4
