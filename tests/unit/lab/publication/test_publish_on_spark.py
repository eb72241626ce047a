"""Publishing through the real path with the cut on Spark: the same rows as DuckDB, sealed."""

from __future__ import annotations

import dataclasses
import io

import pyarrow.parquet as pq
import pytest

from classification import Tier
from lab.catalogue.versions.publishing import publish
from lab.publication import spark_cut
from lab.publication.engine import SparkPublication, spark_for
from lab.services import LabServices
from lab.settings import LabSettings
from tests.unit.lab.ingest import tables
from tests.unit.lab.ingest.test_pipeline import STEWARD, _decide, _declare, _ingest


def _with(lab: LabServices, **settings) -> LabServices:
    return dataclasses.replace(lab, settings=lab.settings.model_copy(update=settings))


def _published_rows(lab: LabServices, version) -> list[tuple]:
    plain = b"".join(lab.sealed.get(version.objects["data.parquet"]))
    return sorted(tuple(r.values()) for r in pq.read_table(io.BytesIO(plain)).to_pylist())


@pytest.mark.parametrize(
    ("engine", "rows", "on_spark"),
    [("duckdb", 10**9, False), ("spark", 1, True), ("auto", 99, False), ("auto", 100, True)],
)
def test_the_engine_follows_the_settings(engine: str, rows: int, on_spark: bool) -> None:
    """``auto`` picks Spark from the row threshold on; the explicit choices always hold."""
    settings = LabSettings(publication_engine=engine, publication_spark_min_rows=100)
    assert (spark_for(settings, rows) is not None) is on_spark


def test_spark_publication_keeps_duckdbs_rows_and_stays_sealed(
    sqlite_lab: LabServices, tmp_path, monkeypatch, spark_engine
) -> None:
    """Two versions of one dataset (one seed): DuckDB's and Spark's kept rows are identical,
    the Spark-built table is stored encrypted, and no plaintext file exists during the build:
    what the job leaves on the shared folder for Spark, and what Spark writes back, is
    encrypted Parquet (magic ``PARE``) without the canary."""
    canary = 987654321
    source = tables.monthly_table(tmp_path, units=25, months=7, canary=canary)
    versions = []
    for engine in ("duckdb", "spark"):
        lab = _with(sqlite_lab, publication_engine=engine, gateway_spark_driver_memory="1g")
        outcome = _ingest(lab, source)
        _decide(lab, outcome.version_id, Tier.T3)
        _declare(lab, outcome.version_id, max_rows=4)
        versions.append(publish(lab, version_id=outcome.version_id, actor=STEWARD))
        if engine == "duckdb":
            seen, shared = _watch_spark_build(monkeypatch, sqlite_lab)
    duckdb_rows, spark_rows = (_published_rows(sqlite_lab, v) for v in versions)
    assert spark_rows == duckdb_rows and len(spark_rows) == 25 * 4
    assert str(canary).encode() not in sqlite_lab.store.read_bytes(
        versions[1].objects["data.parquet"]
    )
    assert seen
    for path, data in seen.items():
        assert not data.startswith(b"PAR1") and str(canary).encode() not in data, path
    folder = sqlite_lab.settings.resolved_spark_tables_dir
    written = {p.relative_to(folder).parts[0] for p in shared if p.suffix == ".parquet"}
    assert len(written) == 2  # the job's source and its cut
    for path, data in shared.items():
        assert str(canary).encode() not in data, path
        if path.suffix == ".parquet":
            assert data[:4] == data[-4:] == b"PARE", path
    assert not any(sqlite_lab.settings.resolved_spark_tables_dir.iterdir())


def _watch_spark_build(monkeypatch, lab: LabServices) -> tuple[dict, dict]:
    """Record every file under the lab's home right after the Spark build returns, and every
    file on the shared Spark folder just before the lab reads Spark's cut back."""
    seen: dict = {}
    shared: dict = {}
    building = SparkPublication.build
    copying = spark_cut.copy_decrypted

    def build_and_look(*args, **kwargs):
        record = building(*args, **kwargs)
        seen.update((p, p.read_bytes()) for p in lab.settings.home.rglob("*") if p.is_file())
        return record

    def look_and_copy(files, target, keys):
        folder = lab.settings.resolved_spark_tables_dir
        shared.update((p, p.read_bytes()) for p in folder.rglob("*") if p.is_file())
        return copying(files, target, keys)

    monkeypatch.setattr(SparkPublication, "build", build_and_look)
    monkeypatch.setattr(spark_cut, "copy_decrypted", look_and_copy)
    return seen, shared
