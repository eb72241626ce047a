"""The per-unit cut as a Spark job, for tables too large for one machine's publication.

The statement is ``plan.window_cut`` — a window per privacy unit ranking its rows by the keyed
hash, the first ``bound`` kept, bounded columns typed — transpiled to Spark SQL by sqlglot; the
dataset's secret seed is bound as the named parameter ``bounding_seed`` (never SQL text). It keeps
the same rows as the DuckDB cut on the same input (``tests/unit/lab/publication``).

How the plaintext travels: pyarrow reads the staged table from the lab's anonymous memory file
and ``createDataFrame`` streams it to the Spark driver over PySpark's authenticated socket (with
``spark.io.encryption.enabled``, as the gateway's Spark engine does, so shuffles and spills are
encrypted with a key that lives only in the JVM); the cut table comes back as Arrow and is
written into the caller's target — an anonymous memory file that the lab seals with its keyring
before anything is stored. No plaintext file is written on any disk.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from lab.gateway.spark_engine import (
    SparkConfig,
    check_prerequisites,
    quiet_pyspark,
    start_session,
)
from lab.publication.plan import SEED_VARIABLE, CutSpec, for_spark, unit_counts, window_cut


def cut_with_spark(
    spec: CutSpec, staged: Path, target: Path, seed_hex: str, config: SparkConfig
) -> tuple[int, int, int, int]:
    """Write ``target`` (Parquet, zstd) with ``spec``'s cut of ``staged`` computed by Spark;
    return (rows in, rows out, units, units over the bound)."""
    check_prerequisites(config)
    from pyspark.sql import SparkSession  # optional dependency, imported only when chosen

    running = SparkSession._instantiatedSession  # e.g. the gateway's engine in this process
    session = start_session(config)  # getOrCreate: that running session, if there is one
    try:
        return cut_in_session(session, spec, staged, target, seed_hex)
    finally:
        if running is None:
            session.stop()


def cut_in_session(
    session: Any, spec: CutSpec, staged: Path, target: Path, seed_hex: str
) -> tuple[int, int, int, int]:
    """``cut_with_spark`` in a running session (the staged table is a temporary view meanwhile)."""
    view = f"staged_{uuid.uuid4().hex}"
    source = pq.read_table(staged, columns=list(spec.columns))
    rows_in = source.num_rows
    with quiet_pyspark():
        session.createDataFrame(source).createOrReplaceTempView(view)
    del source
    seed = {SEED_VARIABLE: seed_hex}
    try:
        with quiet_pyspark():
            kept = session.sql(for_spark(window_cut(spec, view)), args=seed).toArrow()
            counts = session.sql(for_spark(unit_counts(spec, view)), args=seed).collect()[0]
    finally:
        session.catalog.dropTempView(view)
    pq.write_table(kept, target, compression="zstd")
    return rows_in, kept.num_rows, int(counts["units"]), int(counts["units_truncated"])
