"""The per-unit cut keeps exactly the same rows on DuckDB and on Spark, typed the same way.

One staged table with the cases that could split the engines: heavy and light units, a unit at
exactly the bound, identical rows (hash ties), NULL units and NULL values, non-ASCII and
astral-plane text (the key counts code points), values that are not numbers, spaces around
numbers, fixed-point rounding half away from zero, and a column declared unique per unit with
identical copies of each (unit, value) row and more values than the bound. It is
cut three ways — the DuckDB cut the lab runs, the plan's window on DuckDB, the plan's window on
Spark (local mode) — and the kept rows must be identical as multisets.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lab.catalogue.versions.dp_metadata import DeclaredBounds
from lab.crypto import kms_jar
from lab.gateway.encrypted_tables import encrypted_tables
from lab.publication import spark_cut
from lab.publication.duckdb_cut import cut_with_duckdb
from lab.publication.plan import SEED_VARIABLE, CutSpec, for_spark, window_cut
from lab.publication.spark_cut import cut_in_session
from lab.services import LabServices

SEED = bytes(range(32)).hex()
COLUMNS = ("unit", "month", "amount", "rate", "note")
SPEC = CutSpec(
    unit="unit",
    bound=3,
    columns=COLUMNS,
    bounds={"amount": DeclaredBounds(0, 1000), "rate": DeclaredBounds(-5, 5, "0.01")},
)
UNIQUE = CutSpec(SPEC.unit, SPEC.bound, SPEC.columns, SPEC.bounds, unique=("month",))
ODD_VALUES = ["12", " 7 ", "abc", None, "-0.5", "2.5", "1e2", "0.125", "-2.675", "999.9999999"]


def _rows(rng: random.Random) -> list[dict]:
    rows = []
    for u in range(60):
        unit = f"单位{u}" if u % 3 else f"U\U0001f600{u}"
        for i in range(u % 8):  # 0..7 rows: light, at the bound and heavy units
            rows.append(
                {
                    "unit": unit,
                    "month": rng.choice(["2026-01", "2026-02", None]),
                    "amount": rng.choice(ODD_VALUES),
                    "rate": rng.choice(ODD_VALUES),
                    "note": rng.choice(["", "é", "ｅ", "a:b", "N", None, f"行{i}"]),
                }
            )
    rows += [{"unit": "TIES", "month": "2026-01", "amount": "5", "rate": "1", "note": "x"}] * 7
    rows += [{"unit": None, "month": "2026-01", "amount": "9", "rate": "1", "note": "no unit"}] * 4
    for month in range(1, 6):  # identical copies of each month, more months than the bound
        copy = {"unit": "COPIES", "month": f"2026-0{month}", "amount": "1", "rate": "1", "note": ""}
        rows += [copy] * 3
    rng.shuffle(rows)
    return rows


@pytest.fixture(scope="module")
def staged(tmp_path_factory) -> Path:
    """The staged text table (every column text, as ingest stages it)."""
    path = tmp_path_factory.mktemp("staged") / "table.parquet"
    schema = pa.schema([(c, pa.string()) for c in COLUMNS])
    pq.write_table(pa.Table.from_pylist(_rows(random.Random(14)), schema=schema), path)
    return path


def _kept(path: Path) -> Counter:
    return Counter(tuple(row.values()) for row in pq.read_table(path).to_pylist())


def _duckdb_cut(spec: CutSpec, staged: Path, folder: Path, rows_per_pass: int = 10**7):
    target = folder / f"duckdb-{rows_per_pass}.parquet"
    counts = cut_with_duckdb(
        spec, staged, target, SEED, spill_to=folder / "spill", rows_per_pass=rows_per_pass
    )
    return _kept(target), counts


def _window_on_duckdb(spec: CutSpec, staged: Path) -> Counter:
    with duckdb.connect() as connection:
        connection.execute(f"SET VARIABLE {SEED_VARIABLE} = ?", [SEED])
        connection.register("source", connection.read_parquet(str(staged)))
        table = connection.execute(window_cut(spec, "source")).fetchall()
    return Counter(table)


@pytest.mark.parametrize("spec", [SPEC, UNIQUE], ids=["cut", "unique-then-cut"])
def test_duckdb_cut_keeps_the_plans_rows(spec: CutSpec, staged: Path, tmp_path: Path) -> None:
    """The lab's DuckDB cut (only heavy units ranked, in passes) equals the plan's window."""
    kept, (rows_in, rows_out, units, truncated) = _duckdb_cut(spec, staged, tmp_path)
    several_passes, _ = _duckdb_cut(spec, staged, tmp_path, rows_per_pass=5)
    assert kept == _window_on_duckdb(spec, staged) == several_passes
    assert rows_out == sum(kept.values()) and rows_in == pq.read_metadata(staged).num_rows
    assert max(Counter(row[0] for row in kept.elements()).values()) == spec.bound
    assert None not in {row[0] for row in kept} and units == 54 and truncated > 0


@pytest.fixture
def exchange(sqlite_lab: LabServices, spark_engine):
    """The lab's shared Spark folder and key service, once Spark has the lab's KMS client."""
    if str(kms_jar.JAR) not in spark_engine.config.jars:
        pytest.skip(f"the JVM KMS client is not built: {kms_jar.missing_tools()}")
    tables = encrypted_tables(sqlite_lab)
    yield tables
    tables.close()


@pytest.mark.parametrize("spec", [SPEC, UNIQUE], ids=["cut", "unique-then-cut"])
def test_spark_keeps_the_same_rows_as_duckdb(
    spec: CutSpec, staged: Path, tmp_path: Path, spark_engine, exchange
) -> None:
    """Spark's window per unit, reading and writing encrypted Parquet, keeps the identical
    rows, typed identically, with equal counts, and leaves nothing on the shared folder."""
    kept, counts = _duckdb_cut(spec, staged, tmp_path)
    target = tmp_path / "spark.parquet"
    spark_counts = cut_in_session(spark_engine.session(), spec, staged, target, SEED, exchange)
    assert _kept(target) == kept
    assert spark_counts == counts
    assert pq.read_schema(target).field("rate").type == pa.int64()
    assert list(exchange.folder.iterdir()) == []


def test_the_job_keeps_the_same_rows_over_spark_connect(
    staged: Path, tmp_path: Path, sqlite_lab: LabServices, connect_engine
) -> None:
    """The same job through a Spark Connect server (whose executors read and write the shared
    folder through the lab's key service) keeps DuckDB's rows."""
    kept, counts = _duckdb_cut(UNIQUE, staged, tmp_path)
    target = tmp_path / "connect.parquet"
    tables = encrypted_tables(sqlite_lab)
    try:
        got = cut_in_session(connect_engine.session(), UNIQUE, staged, target, SEED, tables)
    finally:
        tables.close()
    assert _kept(target) == kept and got == counts
    assert list(tables.folder.iterdir()) == []


def test_a_failed_spark_job_leaves_nothing_on_the_shared_folder(
    staged: Path, tmp_path: Path, spark_engine, exchange, monkeypatch
) -> None:
    """A job that fails after Spark wrote its cut still deletes both of its encrypted folders,
    and the target holds nothing."""
    seen: list[str] = []

    def fail(files, target, keys):
        seen.extend(sorted(p.name for p in exchange.folder.iterdir()))
        raise OSError("the disk is full")

    monkeypatch.setattr(spark_cut, "copy_decrypted", fail)
    target = tmp_path / "spark.parquet"
    with pytest.raises(OSError, match="disk is full"):
        cut_in_session(spark_engine.session(), SPEC, staged, target, SEED, exchange)
    assert len(seen) == 2 and all(name.startswith(spark_cut.JOB_SCOPE_PREFIX) for name in seen)
    assert list(exchange.folder.iterdir()) == [] and not target.exists()


def test_the_seed_is_a_parameter_never_sql_text() -> None:
    """Spark's statement names the seed's parameter; no rendering holds a seed's value."""
    statement = window_cut(UNIQUE, "staged")
    assert "getvariable('bounding_seed')" in statement and SEED not in statement
    assert f":{SEED_VARIABLE}" in for_spark(statement) and "GETVARIABLE" not in for_spark(statement)
