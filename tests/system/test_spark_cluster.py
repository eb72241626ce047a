"""A publication's Spark job and the gateway's Spark queries on a real standalone cluster, whose
executors are JVM processes of their own that see the lab's tables only as encrypted files on
the shared folder and unwrap their keys through the lab's key service over the network.

Each run is a process of its own (``spark_cluster_run.py``; one driver per process), configured
only by the environment, as a lab would be."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from lab.crypto import kms_jar
from tests.fixtures.spark_cluster import SparkCluster

CANARY = 987_654_321
RUN = Path(__file__).with_name("spark_cluster_run.py")
ROOT = Path(__file__).parents[2]
REST_PORT = 6066  # the master's REST submission port when it is on


def _environment(home: Path, cluster: SparkCluster, **extra: str) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith("DATALAB_")}
    return (
        kept
        | {
            "PYTHONPATH": str(ROOT),
            "DATALAB_HOME": str(home),
            "DATALAB_GATEWAY_SPARK_MASTER": cluster.master,
            "DATALAB_GATEWAY_SPARK_CLUSTER_SECRET": cluster.secret,
            "DATALAB_GATEWAY_SPARK_DRIVER_MEMORY": "1g",
        }
        | extra
    )


def test_publication_and_queries_on_the_cluster_agree_with_duckdb(
    spark_cluster: SparkCluster, tmp_path: Path
) -> None:
    """The cluster's executors keep DuckDB's rows and give DuckDB's exact aggregates; they ran
    as separate processes; the shared folder holds ciphertext only, and the job's folders are
    gone afterwards."""
    if not kms_jar.JAR.is_file():
        pytest.skip(f"the JVM KMS client is not built: {kms_jar.missing_tools()}")
    home = tmp_path / "home"
    done = subprocess.run(
        [sys.executable, str(RUN), str(tmp_path), str(CANARY)],
        env=_environment(home, spark_cluster),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["spark_rows"] == seen["duckdb_rows"] and len(seen["spark_rows"]) == 25 * 4
    for expected, on_cluster in seen["answers"]:
        assert on_cluster == expected and expected
    assert spark_cluster.executor_logs(), "no executor ran on the worker"
    shared = home / "spark-tables"
    left = [p for p in shared.iterdir()]
    assert len(left) == 1 and left[0].name.startswith("t"), left  # the gateway's export only
    stored = b"".join(p.read_bytes() for p in shared.rglob("*") if p.is_file())
    assert str(CANARY).encode() not in stored and CANARY.to_bytes(8, "little") not in stored
    assert done.stderr.count(spark_cluster.secret) == 0


def test_a_driver_without_the_secret_runs_nothing(spark_cluster: SparkCluster, tmp_path) -> None:
    """A program that knows the master's address but not the cluster's secret is refused by
    the master: it gets no executor, and its job fails instead of running."""
    before = spark_cluster.master_log.read_text(errors="replace").count("Expected SaslMessage")
    script = (
        "from pyspark.sql import SparkSession\n"
        f"s = SparkSession.builder.master({spark_cluster.master!r})"
        ".config('spark.driver.host', '127.0.0.1').config('spark.ui.enabled', 'false')"
        ".getOrCreate()\n"
        "print(s.range(10).count())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={k: v for k, v in os.environ.items() if not k.startswith("DATALAB_")}
        | {"SPARK_LOCAL_IP": "127.0.0.1"},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode != 0 and "10" not in done.stdout.split()
    refusals = spark_cluster.master_log.read_text(errors="replace").count("Expected SaslMessage")
    assert refusals > before


def test_the_master_takes_no_unauthenticated_submissions(spark_cluster: SparkCluster) -> None:
    """The standalone master's REST submission server, which does not check the cluster's
    secret, is off: nothing listens on its port."""
    log = spark_cluster.master_log.read_text(errors="replace")
    assert "Started REST server" not in log
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", REST_PORT), timeout=5).close()
