"""The per-unit cut as a Spark job, for tables too large for one machine's publication.

The statement is ``plan.window_cut`` — a window per privacy unit ranking its rows by the keyed
hash, the first ``bound`` kept, bounded columns typed — transpiled to Spark SQL by sqlglot; the
dataset's secret seed is bound as the named parameter ``bounding_seed`` (never SQL text). It keeps
the same rows as the DuckDB cut on the same input (``tests/unit/lab/publication``).

The job moves its data through files, never through the driver, so its size is bounded by the
cluster, not by one JVM's memory:

1. the lab writes the staged table (plaintext only in its anonymous memory file) to the shared
   Spark folder as Parquet with modular encryption, partitioned by a hash of the privacy unit,
   under a scope of its own (``parquet_crypto.write_encrypted``, as the gateway's exports);
2. Spark's executors read it with the lab's KMS client and a reading token for that scope, run
   the window, and write the cut table encrypted again, under a second scope whose writing
   token lets them have their file keys wrapped by the lab (``spark_writing_options``);
3. the lab decrypts the cut a batch at a time into the caller's target — an anonymous memory
   file the lab seals with its keyring before anything is stored (``copy_decrypted``);
4. both folders are deleted, whatever happened.

Only ciphertext and wrapped keys ever reach the shared folder; Spark's shuffles and spills are
encrypted by ``spark.io.encryption.enabled``. The tokens are minted for this job's two scopes and
last as long as a job may (``JOB_TOKEN_SECONDS``); they die with the lab process that signed them.
"""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from lab.errors import InternalError
from lab.gateway.encrypted_tables import EncryptedTables, remove_export
from lab.gateway.parquet_crypto import (
    EncryptedParquet,
    KeyService,
    copy_decrypted,
    spark_writing_options,
    write_encrypted,
)
from lab.gateway.spark_engine import (
    SparkConfig,
    check_prerequisites,
    quiet_pyspark,
    start_session,
)
from lab.publication.plan import SEED_VARIABLE, CutSpec, for_spark, unit_counts, window_cut

JOB_SCOPE_PREFIX = "job-"
JOB_TOKEN_SECONDS = 6 * 3600  # the longest a publication job may run before its keys close
ROWS_PER_PARTITION = 2_000_000  # rows a shuffle partition of the window holds at most


def cut_with_spark(
    spec: CutSpec,
    staged: Path,
    target: Path,
    seed_hex: str,
    config: SparkConfig,
    exchange: EncryptedTables,
) -> tuple[int, int, int, int]:
    """Write ``target`` (Parquet, zstd) with ``spec``'s cut of ``staged`` computed by Spark,
    exchanging encrypted files through ``exchange``'s folder and key service; return (rows in,
    rows out, units, units over the bound)."""
    check_prerequisites(config)
    from pyspark.sql import SparkSession  # optional dependency, imported only when chosen

    running = SparkSession._instantiatedSession  # e.g. the gateway's engine in this process
    session = start_session(config)  # getOrCreate: that running session, if there is one
    try:
        return cut_in_session(session, spec, staged, target, seed_hex, exchange)
    finally:
        if running is None or config.is_connect:  # a Connect session is the job's own
            session.stop()


def cut_in_session(
    session: Any,
    spec: CutSpec,
    staged: Path,
    target: Path,
    seed_hex: str,
    exchange: EncryptedTables,
) -> tuple[int, int, int, int]:
    """``cut_with_spark`` in a running session."""
    rows_in = pq.read_metadata(staged).num_rows
    source_scope, cut_scope = job_scope(), job_scope()
    source_dir, cut_dir = exchange.folder / source_scope, exchange.folder / cut_scope
    exchange.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        writing = exchange.writing(source_scope, JOB_TOKEN_SECONDS)
        write_encrypted(str(staged), source_dir, unit=spec.unit, scope=source_scope, keys=writing)
        source = EncryptedParquet(source_dir, exchange.reading(source_scope, JOB_TOKEN_SECONDS))
        cut_keys = exchange.writing(cut_scope, JOB_TOKEN_SECONDS)
        units, truncated = _run(session, spec, rows_in, source, seed_hex, cut_dir, cut_keys)
        files = sorted(cut_dir.glob("*.parquet"))
        if not files:
            raise InternalError("the Spark cut wrote no Parquet file")
        rows_out = copy_decrypted(files, target, exchange.reading(cut_scope, JOB_TOKEN_SECONDS))
    finally:
        remove_export(source_dir)
        remove_export(cut_dir)
    return rows_in, rows_out, units, truncated


def job_scope() -> str:
    """A fresh key scope (and folder name) for one of a job's encrypted tables."""
    return f"{JOB_SCOPE_PREFIX}{secrets.token_hex(16)}"


def _run(
    session: Any,
    spec: CutSpec,
    rows: int,
    source: EncryptedParquet,
    seed_hex: str,
    cut_dir: Path,
    cut_keys: KeyService,
) -> tuple[int, int]:
    """Spark's part: read the encrypted source, write the encrypted cut; (units, over bound)."""
    view = f"staged_{uuid.uuid4().hex}"
    seed = {SEED_VARIABLE: seed_hex}
    # Rows of one unit together, in enough partitions for the table's size: the window (and the
    # per-unit deduplication and count) need no other shuffle, and no session setting changes
    # under the gateway's queries sharing the session.
    wanted = max(int(session.conf.get("spark.sql.shuffle.partitions")), rows // ROWS_PER_PARTITION)
    with quiet_pyspark():
        frame = session.read.options(**source.spark_options()).parquet(str(source.folder))
        frame.repartition(wanted, frame[spec.unit]).createOrReplaceTempView(view)
        try:
            kept = session.sql(for_spark(window_cut(spec, view)), args=seed)
            kept.write.options(**spark_writing_options(cut_dir.name, cut_keys)).parquet(
                str(cut_dir)
            )
            counts = session.sql(for_spark(unit_counts(spec, view)), args=seed).collect()[0]
        finally:
            session.catalog.dropTempView(view)
    return int(counts["units"]), int(counts["units_truncated"])
