"""Run by ``test_spark_cluster`` in a process of its own (one Spark driver per process), with the
lab's settings in the environment: publish one dataset twice — cut by DuckDB, then by a Spark
job on the standalone cluster — and run the gateway's exact aggregates on the cluster over the
encrypted export and on DuckDB. Prints one JSON line of what it saw."""

from __future__ import annotations

import dataclasses
import io
import json
import sys
from pathlib import Path

import pyarrow.parquet as pq

from classification import Tier
from lab.catalogue.versions.publishing import publish
from lab.crypto import kms_jar
from lab.gateway.encrypted_tables import encrypted_tables
from lab.gateway.engine import DuckDBEngine
from lab.gateway.planner import compile_plan
from lab.gateway.query import plan_query
from lab.gateway.spark_engine import SparkConfig, SparkEngine
from lab.gateway.targets import table_metadata
from lab.services import LabServices, open_services
from lab.settings import load_settings
from tests.unit.lab.ingest import tables
from tests.unit.lab.ingest.test_pipeline import STEWARD, _decide, _declare, _ingest

A = '"应纳税额（元）"'
QUERIES = [
    f'SELECT "所属区", COUNT(*), SUM({A}) FROM tax GROUP BY "所属区"',
    f"SELECT COUNT(*), SUM({A}) FROM tax",
]


def _published_rows(lab: LabServices, version) -> list[list]:
    plain = b"".join(lab.sealed.get(version.objects["data.parquet"]))
    return sorted(list(r.values()) for r in pq.read_table(io.BytesIO(plain)).to_pylist())


def main(folder: Path) -> None:
    lab = open_services(load_settings())
    source = tables.monthly_table(folder, units=25, months=7, canary=int(sys.argv[2]))
    versions = []
    for engine in ("duckdb", "spark"):
        settings = lab.settings.model_copy(update={"publication_engine": engine})
        each = dataclasses.replace(lab, settings=settings)
        outcome = _ingest(each, source, slug="tax")
        _decide(each, outcome.version_id, Tier.T3)
        _declare(each, outcome.version_id, max_rows=4)
        versions.append(publish(each, version_id=outcome.version_id, actor=STEWARD))
    duckdb_rows, spark_rows = (_published_rows(lab, v) for v in versions)
    with lab.sessions() as session:
        metadata, _, key = table_metadata(session, "tax")
    engine = SparkEngine(SparkConfig.of(lab.settings, (str(kms_jar.JAR),)))
    exported = encrypted_tables(lab)
    answers = []
    try:
        for sql in QUERIES:
            compiled = compile_plan(plan_query(sql, [metadata], delta=1e-6))
            with lab.sealed.open_plaintext_memfd(key) as plaintext:
                expected = DuckDBEngine().run(compiled, [plaintext]).to_pylist()
            with exported.lease(key) as table:
                answers.append([expected, engine.run(compiled, [table]).to_pylist()])
    finally:
        exported.close()
        engine.close()
        lab.close()
    print(
        json.dumps(
            {"duckdb_rows": duckdb_rows, "spark_rows": spark_rows, "answers": answers},
            ensure_ascii=False,
            default=str,
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
