"""Spark behind the gateway: the same service path (ledger, cache, noise in the lab), and a
Spark that cannot start stops the lab with one clear line."""

from __future__ import annotations

import shutil
import socket
import sys
from pathlib import Path

import pytest

from lab.db.models import QueryRelease
from lab.errors import ConfigurationError
from lab.gateway.engine_choice import engine_for
from lab.gateway.spark_engine import SparkEngine
from lab.settings import load_settings
from tests.unit.lab.cli.shell import datalab
from tests.unit.lab.gateway.test_service import TAX, _ask, _open_gateway


def test_spark_answers_through_the_gateways_ledger_cache_and_noise(
    sqlite_lab, tmp_path, spark_engine
) -> None:
    """The gateway with Spark as its engine: charged in the ledger, answered with intervals
    (added by the lab's noise layer), stored, and a repeat served from the cache without Spark."""
    assert isinstance(spark_engine, SparkEngine)
    gateway, engine, project_id = _open_gateway(
        sqlite_lab, tmp_path, units=40, epsilon=1.0, inner=spark_engine
    )
    sql = f'SELECT "所属区", COUNT(*), AVG({TAX}) FROM tax GROUP BY "所属区"'
    try:
        first = _ask(gateway, project_id, sql)
        second = _ask(gateway, project_id, sql)
    finally:
        gateway.tables.close()
    assert engine.runs == 1 and second.cached and second.rows == first.rows
    assert first.budget_left == pytest.approx(0.75) and len(first.rows) == 10
    for row in first.rows:
        assert row["count(*)_low"] <= row["count(*)"] <= row["count(*)_high"]
    with sqlite_lab.sessions() as session:
        assert session.query(QueryRelease).count() == 1


def _closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _one_line(result) -> str:
    """The command's stderr, asserted to be one line after a failing exit."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    return lines[0]


def test_malformed_master_is_refused_in_one_line() -> None:
    """A master that is no Spark URL is a settings error naming the variable and the forms."""
    with pytest.raises(ConfigurationError, match=r"DATALAB_GATEWAY_SPARK_MASTER.*local\[N\]"):
        load_settings(gateway_engine="spark", gateway_spark_master="spark:/lab:7077")


def test_unreachable_master_stops_serve_in_one_line(tmp_path: Path) -> None:
    """``datalab serve`` with Spark at a master nobody answers stops at once with one line."""
    master = f"spark://127.0.0.1:{_closed_port()}"
    if shutil.which("java") is None:
        pytest.skip("Java is not installed: the Java check answers first (tested below)")
    result = datalab(
        tmp_path,
        "serve",
        DATALAB_GATEWAY_ENGINE="spark",
        DATALAB_GATEWAY_SPARK_MASTER=master,
        DATALAB_GATEWAY_SPARK_CLUSTER_SECRET="a-shared-secret",
    )
    assert _one_line(result).startswith(f"datalab: cannot reach the Spark master {master}")
    assert "serving" not in result.stdout and "a-shared-secret" not in result.stderr


def test_a_standalone_master_without_the_clusters_secret_stops_serve(tmp_path: Path) -> None:
    """A ``spark://`` master needs the cluster's shared secret: without it the lab would run
    jobs on a cluster any program could use (and see its executors' keys); one line says so."""
    if shutil.which("java") is None:
        pytest.skip("Java is not installed: the Java check answers first (tested below)")
    master = f"spark://127.0.0.1:{_closed_port()}"
    result = datalab(
        tmp_path, "serve", DATALAB_GATEWAY_ENGINE="spark", DATALAB_GATEWAY_SPARK_MASTER=master
    )
    assert "DATALAB_GATEWAY_SPARK_CLUSTER_SECRET" in _one_line(result)
    assert "serving" not in result.stdout


def test_spark_without_java_stops_serve_in_one_line(tmp_path: Path) -> None:
    """With no java on PATH nor JAVA_HOME, ``datalab serve`` says Spark needs Java 17+."""
    python_only = str(Path(sys.executable).parent)
    result = datalab(
        tmp_path, "serve", DATALAB_GATEWAY_ENGINE="spark", PATH=python_only, JAVA_HOME=""
    )
    assert "needs Java 17+" in _one_line(result)
    assert "serving" not in result.stdout


def test_duckdb_is_the_default_and_needs_no_java(tmp_path: Path, monkeypatch) -> None:
    """Without settings the gateway runs DuckDB, whatever Java there is."""
    monkeypatch.setenv("PATH", "/nonexistent")
    engine = engine_for(load_settings(home=tmp_path))
    try:
        assert type(engine).__name__ == "DuckDBEngine"
    finally:
        engine.close()
