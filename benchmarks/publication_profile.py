"""Where a restricted publication's time goes: each step of ingest and publish, wall and CPU.

    .venv/bin/python benchmarks/publication_profile.py [--rows 5000000] [--engine duckdb|spark|both]

Ingests and publishes ``dp_gateway.py``'s table (generated into ``benchmarks/.work/`` if
missing; T3, 12 rows per unit) through the real path, with the steps wrapped to print their
wall-clock and CPU seconds (this process, all its threads; a Spark JVM's CPU is not counted) and
the load average when each ends: staging (read, profile, sample, write the text Parquet), the
classification's full scan, sealing the staged table, decrypting it for publication, the build
(per-unit cut and typing; on DuckDB each statement over half a second is shown too) and sealing
the publication; on Spark, the job's three steps (the lab encrypts the staged table onto the
shared folder, Spark runs the window and writes the encrypted cut, the lab decrypts it back).
CPU seconds are the figure to compare between runs on a shared machine: wall time follows the
load.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))
sys.path.insert(0, str(Path(__file__).parent))

import duckdb
from dp_gateway import REVENUE_DP, UNIT, WORK, build_table, publish_table

import lab.catalogue.versions.publishing as publishing
import lab.ingest.pipeline as pipeline
import lab.ingest.staging as staging
import lab.publication.duckdb_cut as duckdb_cut
import lab.publication.spark_cut as spark_cut
from lab.crypto import SealedObjectStore
from lab.services import open_services
from lab.settings import LabSettings

STEPS = [
    (staging, "_read_into_parquet", "stage (read, profile)"),
    (pipeline, "classify_staged", "classify (full scan)"),
    (pipeline, "seal", "seal staged"),
    (publishing, "open_staged", "decrypt staged"),
    (publishing, "_build", "cut + type"),
    (SealedObjectStore, "seal_into", "seal publication"),
    (spark_cut, "write_encrypted", "  spark: encrypt the source"),
    (spark_cut, "_run", "  spark: window, write cut"),
    (spark_cut, "copy_decrypted", "  spark: decrypt the cut"),
]


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> str:
    wall, cpu = (now - then for now, then in zip(_clock(), start, strict=True))
    return f"wall {wall:7.1f} s  cpu {cpu:7.1f} s  load {os.getloadavg()[0]:5.1f}"


def _timed(owner, name: str, label: str) -> None:
    """Replace ``owner.name`` by the same function printing its times."""
    function = getattr(owner, name)

    @functools.wraps(function)
    def timed(*args, **kwargs):
        start = _clock()
        try:
            return function(*args, **kwargs)
        finally:
            print(f"  {label:<24} {_since(start)}", flush=True)

    setattr(owner, name, timed)


def _fingerprint(published: Path) -> str:
    """Rows, units and an order-free checksum of the published table's rows (the same on both
    engines exactly when they kept the same rows, typed the same way)."""
    with duckdb.connect() as database:
        names = database.execute("SELECT * FROM read_parquet(?) LIMIT 0", [str(published)])
        columns = ", ".join(f'"{d[0]}"' for d in names.description)
        rows, units, checksum = database.execute(
            f'SELECT count(*), count(DISTINCT "{UNIT}"), '
            f"sum(hash({columns})::HUGEINT) FROM read_parquet(?)",
            [str(published)],
        ).fetchone()
    return f"{rows:,} rows, {units:,} units, checksum {checksum % 10**12:012d}"


def _descendants() -> list[tuple[int, float, float]]:
    """This process's live descendants (the Spark JVM): pid, CPU seconds, peak RSS in MB."""
    found, tick = [], os.sysconf("SC_CLK_TCK")
    parents = {os.getpid()}
    for entry in sorted(
        Path("/proc").iterdir(), key=lambda p: int(p.name) if p.name.isdigit() else 0
    ):
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            status = (entry / "status").read_text()
        except OSError:
            continue
        if int(fields[1]) not in parents:
            continue
        parents.add(int(entry.name))
        hwm = next(
            (line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")), "0"
        )
        found.append((int(entry.name), (int(fields[11]) + int(fields[12])) / tick, int(hwm) / 1024))
    return found


class _TimedStatements:
    """A DuckDB connection whose statements over half a second print their times."""

    def __init__(self, connection) -> None:
        self.connection = connection

    def execute(self, sql: str, *args):
        start = _clock()
        result = self.connection.execute(sql, *args)
        if time.perf_counter() - start[0] > 0.5:
            print(f"      {' '.join(sql.split()[:4])[:34]:<34} {_since(start)}", flush=True)
        return result

    def __enter__(self):
        self.connection.__enter__()
        return self

    def __exit__(self, *exc):
        return self.connection.__exit__(*exc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--engine", choices=["duckdb", "spark", "both"], default="duckdb")
    arguments = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    source = WORK / f"dp_gateway_{arguments.rows}.parquet"
    if not source.exists():
        build_table(arguments.rows, source.with_suffix(".part"))
        source.with_suffix(".part").rename(source)
    for owner, name, label in STEPS:
        _timed(owner, name, label)
    connect = duckdb_cut._connection
    duckdb_cut._connection = lambda *a, **k: _TimedStatements(connect(*a, **k))
    engines = ["duckdb", "spark"] if arguments.engine == "both" else [arguments.engine]
    fingerprints = []
    with tempfile.TemporaryDirectory(dir=WORK) as work:
        settings = LabSettings(
            home=Path(work) / "home",
            ingest_max_bytes=64 * 1024**3,
            gateway_spark_driver_memory="6g",
        )
        lab = open_services(settings)
        for engine in engines:  # versions of one dataset: one bounding seed for both engines
            each = dataclasses.replace(
                lab, settings=settings.model_copy(update={"publication_engine": engine})
            )
            print(f"{arguments.rows:,} rows on {engine}; load {os.getloadavg()}", flush=True)
            start = _clock()
            plain = publish_table(each, source, "rev", REVENUE_DP)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"  {'ingest + publish':<24} {_since(start)}; peak RSS so far {peak:,.0f} MB")
            fingerprints.append(_fingerprint(plain))
            print(f"  published: {fingerprints[-1]}", flush=True)
        for pid, cpu, hwm in _descendants():
            print(f"  child process {pid}: cpu {cpu:7.1f} s, peak RSS {hwm:,.0f} MB (a Spark JVM)")
        lab.close()
    if len(set(fingerprints)) > 1:
        sys.exit("the engines published different rows")
    if len(engines) > 1:
        print("both engines published the same rows (same count, units and checksum)")


if __name__ == "__main__":
    main()
