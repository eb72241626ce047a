"""The gateway's three benchmark queries on DuckDB and on Spark local[2]: equal exact aggregates,
time and peak memory side by side; then publication of the same table on both engines.

    .venv/bin/python benchmarks/scale.py [--rows 10000000] [--repeat 3] [--no-queries]
        [--no-publication] [--spark-storage memory|encrypted-parquet]

Uses ``dp_gateway.py``'s table (about 12 rows per enterprise; district, industry section,
integer revenue; generated once into ``benchmarks/.work/``) and its three queries: Q1 count by
district, Q2 sum and mean by district × industry, Q3 median. Each query is planned and compiled
once (``compile_plan``) and run by each engine's ``run`` — the exact-aggregate step of the
gateway, which is the only part that changes with the engine (ledger, cache and noise stay in
the lab and cost milliseconds). Each engine runs in its own child process, so its peak memory
(VmHWM, Spark's driver JVM included) is its own; DuckDB scans the Parquet in place, Spark gets
the columns a query reads through Arrow, as the gateway hands them over (``--spark-storage
memory``), or reads encrypted Parquet itself through the lab's key service
(``encrypted-parquet``: the table is first exported as publication exports a restricted table,
under a throwaway KEK, and the export's time and peak memory are printed apart; the peak is then
reset so the queries' figure is Spark's own). The exact aggregates of
the two engines must be equal, or the run fails. Prints medians of ``--repeat`` runs after one
warm-up, the ratio Spark / DuckDB, Spark's start time and the load average.

Publication: in a child process per engine, a fresh lab ingests the table (stage, profile,
classify, seal — the same on both engines) and publishes it at T3 with
``DATALAB_PUBLICATION_ENGINE`` set to that engine (decrypt the staged table, cut each unit to 12
rows by the keyed hash, type, seal). Each lab draws its own secret seed, so the kept rows differ
between the two runs, but their counts (rows kept, units) cannot, and the
run fails if they do; identical kept rows under one seed are the unit tests' job
(``tests/unit/lab/publication``). Prints ingest and publish seconds, the process's CPU seconds
(Spark's JVM excluded) and peak memory (VmHWM, Spark's driver JVM included).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).parents[1]))
sys.path.insert(0, str(Path(__file__).parent))

from dp_gateway import QUERIES, UNIT, WORK, build_table
from dp_gateway_baselines import DISTRICT, INDUSTRY, REVENUE, REVENUE_BOUNDS

from lab.crypto.keyring import KEK_SIZE, Keyring
from lab.crypto.kms import LabKms, table_scope
from lab.crypto.kms_jar import JAR
from lab.crypto.kms_server import KmsServer
from lab.gateway.engine import DuckDBEngine
from lab.gateway.metadata import ColumnKind, TableMetadata
from lab.gateway.parquet_crypto import EncryptedParquet, KeyService, write_encrypted
from lab.gateway.planner import compile_plan
from lab.gateway.query import plan_query
from lab.reference import public_code_list
from lab.services import open_services
from lab.settings import LabSettings

TABLE = TableMetadata(
    name="rev",
    columns={
        UNIT: ColumnKind.TEXT,
        DISTRICT: ColumnKind.TEXT,
        INDUSTRY: ColumnKind.TEXT,
        REVENUE: ColumnKind.INTEGER,
    },
    privacy_unit=UNIT,
    max_rows_per_unit=12,
    bounds={REVENUE: REVENUE_BOUNDS},
    public_domains={
        DISTRICT: public_code_list("qingdao_district_name"),
        INDUSTRY: public_code_list("gb4754_section"),
    },
)


def peak_memory_mb() -> float:
    """Peak resident memory of this process and its children (Spark's JVM), in MB."""
    pids = [str(os.getpid())]
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        pids += (task / "children").read_text().split()
    total = 0
    for pid in dict.fromkeys(pids):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])
    return total / 1024


SINGLE_TABLE_QUERIES = ("Q1", "Q2", "Q3")  # Q4 joins a second table (dp_gateway.py's)


def measure(engine_name: str, path: Path, repeat: int, storage: str = "memory") -> dict:
    """In this (child) process: start the engine, then time each query; exact answers kept."""
    if engine_name == "spark" and storage == "encrypted-parquet":
        with encrypted_copy(path) as (source, export):
            return {**_measure(engine_name, source, repeat), "export": export}
    return _measure(engine_name, path, repeat)


def _measure(engine_name: str, source: Path | EncryptedParquet, repeat: int) -> dict:
    started = time.perf_counter()
    if engine_name == "spark":
        from lab.gateway.spark_engine import SparkConfig, SparkEngine

        jars = (str(JAR),) if isinstance(source, EncryptedParquet) else ()
        engine = SparkEngine(SparkConfig("local[2]", "4g", jars))
        engine.start()
    else:
        engine = DuckDBEngine(memory_limit="4GB")
    start_seconds = time.perf_counter() - started
    times, answers = {}, {}
    for name in SINGLE_TABLE_QUERIES:
        compiled = compile_plan(plan_query(QUERIES[name][1], [TABLE]))
        answers[name] = engine.run(compiled, [source]).to_pylist()  # warm-up, kept for equality
        runs = []
        for _ in range(repeat):
            begun = time.perf_counter()
            engine.run(compiled, [source])
            runs.append(time.perf_counter() - begun)
        times[name] = statistics.median(runs)
        progress(f"{engine_name} {name}: {times[name]:.2f} s")
    memory = peak_memory_mb()
    engine.close()
    return {"start": start_seconds, "times": times, "memory": memory, "answers": answers}


def progress(line: str) -> None:
    """A progress line on stderr with the time and load (a run cut short still shows them)."""
    stamp = time.strftime("%H:%M:%S", time.gmtime())
    print(f"[{stamp} UTC, load {os.getloadavg()[0]:.1f}] {line}", file=sys.stderr, flush=True)


@contextmanager
def encrypted_copy(path: Path) -> Iterator[tuple[EncryptedParquet, dict]]:
    """``path`` exported as publication exports a restricted table (``write_encrypted``, keys
    wrapped by a throwaway KEK through a key service of this process), with the export's seconds
    and peak memory; the process's peak memory is reset afterwards."""
    kms = LabKms(Keyring("bench", {"bench": os.urandom(KEK_SIZE)}), token_seconds=6 * 3600)
    server = KmsServer(kms).start()
    scope = table_scope(str(path))
    try:
        with tempfile.TemporaryDirectory(dir=WORK) as work:
            writing = KeyService(server.url, kms.issue_token(scope, may_wrap=True))
            begun = time.perf_counter()
            write_encrypted(str(path), Path(work) / scope, unit=UNIT, scope=scope, keys=writing)
            export = {"seconds": time.perf_counter() - begun, "memory": peak_memory_mb()}
            progress(f"encrypted export: {export['seconds']:.1f} s, {export['memory']:.0f} MB")
            Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
            reading = KeyService(server.url, kms.issue_token(scope))
            yield EncryptedParquet(Path(work) / scope, reading), export
    finally:
        server.close()


def in_child(
    engine_name: str, path: Path, repeat: int, step: str = "queries", storage: str = "memory"
) -> dict:
    """``measure`` (or ``publication``) run in a fresh Python process."""
    command = [sys.executable, __file__, "--child", engine_name, "--path", str(path)]
    done = subprocess.run(
        [*command, "--repeat", str(repeat), "--step", step, "--spark-storage", storage],
        stdout=subprocess.PIPE,  # the child's progress lines pass through on stderr
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def publication(engine_name: str, path: Path) -> dict:
    """In this (child) process: ingest then publish ``path`` on a fresh lab, cut by one engine;
    seconds of each step, CPU seconds, peak memory, and the published table's rows and units."""
    import dp_gateway

    with tempfile.TemporaryDirectory(dir=WORK) as work:
        settings = LabSettings(
            home=Path(work) / "home",
            ingest_max_bytes=64 * 1024**3,
            publication_engine=engine_name,
            gateway_spark_master="local[2]",
            gateway_spark_driver_memory="6g",
        )
        lab = open_services(settings)
        steps: dict = {}
        publish = dp_gateway.publish

        def timed_publish(*args, **kwargs):
            steps["ingest"] = time.perf_counter() - started
            begun = time.perf_counter()
            version = publish(*args, **kwargs)
            steps["publish"] = time.perf_counter() - begun
            return version

        dp_gateway.publish = timed_publish
        started, cpu = time.perf_counter(), time.process_time()
        plain = dp_gateway.publish_table(lab, path, "rev", dp_gateway.REVENUE_DP)
        steps["cpu"] = time.process_time() - cpu
        steps["memory"] = peak_memory_mb()
        with duckdb.connect() as connection:
            (steps["rows_out"], steps["units"]) = connection.execute(
                f'SELECT count(*), count(DISTINCT "{UNIT}") FROM read_parquet(?)', [str(plain)]
            ).fetchone()
        lab.close()
    return steps


def report_publication(rows: int, duck: dict, spark: dict) -> None:
    """Publication on both engines, side by side."""
    print(f"\npublication of {rows:,} rows (T3, 12 rows per unit) · load {os.getloadavg()[0]:.1f}")
    head = ("engine", "ingest s", "publish s", "total s", "CPU s", "peak MB")
    print(f"{head[0]:<8} " + " ".join(f"{h:>9}" for h in head[1:]))
    for name, steps in (("DuckDB", duck), ("Spark", spark)):
        total = steps["ingest"] + steps["publish"]
        print(
            f"{name:<8} {steps['ingest']:>9.1f} {steps['publish']:>9.1f} {total:>9.1f} "
            f"{steps['cpu']:>9.1f} {steps['memory']:>9.0f}"
        )
    print(f"published: {duck['rows_out']:,} rows of {duck['units']:,} units on both engines")


def report(rows: int, duck: dict, spark: dict) -> None:
    """The side-by-side table."""
    print(f"\n{rows:,} rows · medians of the timed runs · load average {os.getloadavg()[0]:.1f}")
    print(f"{'query':<48} {'DuckDB s':>9} {'Spark s':>9} {'Spark/DuckDB':>13}")
    for name in SINGLE_TABLE_QUERIES:
        title = QUERIES[name][0]
        d, s = duck["times"][name], spark["times"][name]
        print(f"{name} {title:<45} {d:>9.3f} {s:>9.3f} {s / d:>12.1f}×")
    print(f"engine start: DuckDB {duck['start']:.2f} s, Spark {spark['start']:.1f} s")
    print(f"peak memory:  DuckDB {duck['memory']:.0f} MB, Spark {spark['memory']:.0f} MB")
    print("exact aggregates: equal on both engines for Q1, Q2, Q3")
    if "export" in spark:
        export = spark["export"]
        print(
            f"encrypted export for Spark: {export['seconds']:.1f} s, "
            f"peak {export['memory']:.0f} MB (before the queries; not in Spark's peak above)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", choices=["duckdb", "spark"], help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--step", default="queries", help=argparse.SUPPRESS)
    parser.add_argument("--no-queries", action="store_true", help="skip the gateway queries")
    parser.add_argument("--no-publication", action="store_true", help="skip publication")
    parser.add_argument(
        "--spark-storage",
        choices=["memory", "encrypted-parquet"],
        default="memory",
        help="how Spark gets the table for the queries (as DATALAB_GATEWAY_SPARK_STORAGE)",
    )
    arguments = parser.parse_args()
    if arguments.child:
        if arguments.step == "publication":
            done = publication(arguments.child, arguments.path)
        else:
            done = measure(
                arguments.child, arguments.path, arguments.repeat, arguments.spark_storage
            )
        print(json.dumps(done, default=str))
        return
    WORK.mkdir(exist_ok=True)
    path = WORK / f"dp_gateway_{arguments.rows}.parquet"  # dp_gateway.py's table, shared
    if not path.exists():
        print(f"generating {arguments.rows:,} rows into {path} …", flush=True)
        build_table(arguments.rows, path)
    if not arguments.no_queries:
        duck = in_child("duckdb", path, arguments.repeat)
        spark = in_child("spark", path, arguments.repeat, storage=arguments.spark_storage)
        if duck["answers"] != spark["answers"]:
            raise SystemExit("the engines' exact aggregates differ: this is a bug")
        report(arguments.rows, duck, spark)
    if not arguments.no_publication:
        duck = in_child("duckdb", path, 0, step="publication")
        spark = in_child("spark", path, 0, step="publication")
        if (duck["rows_out"], duck["units"]) != (spark["rows_out"], spark["units"]):
            raise SystemExit("the engines published different row or unit counts: a bug")
        report_publication(arguments.rows, duck, spark)


if __name__ == "__main__":
    main()
