"""Several server processes with Spark on encrypted Parquet: each runs its own key service on
the first free port of ``DATALAB_GATEWAY_SPARK_KMS_BIND``'s range, and a range too short for
``datalab serve --workers N`` stops the lab at start in one line instead of a worker crashing.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import httpx
import pytest

from lab.errors import ConfigurationError
from lab.gateway.encrypted_tables import EncryptedTables
from lab.gateway.engine_choice import check_key_service_ports, tables_for
from lab.gateway.spark_engine import SparkConfig, check_prerequisites
from lab.services import LabServices

SPARK_ON_ENCRYPTED_PARQUET = {
    "DATALAB_GATEWAY_ENGINE": "spark",
    "DATALAB_GATEWAY_SPARK_STORAGE": "encrypted-parquet",
}


def _free_ports(count: int) -> int:
    """The first of ``count`` consecutive ports free on loopback right now."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = probe.getsockname()[1]
        if first + count <= 65535 and all(_free(first + n) for n in range(count)):
            return first
    raise AssertionError("no run of free ports found")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _refuses_a_forged_token(port: int) -> bool:
    """A key service answers on ``port``: a forged token gets its 401 in the lab's error shape."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/unwrap",
        data=json.dumps({"master_key": "t" + "0" * 32 + "/footer", "wrapped": "x"}).encode(),
        headers={"Authorization": "Bearer forged.token", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        urllib.request.urlopen(request, timeout=5)  # noqa: S310
    except urllib.error.HTTPError as refused:
        return refused.code == 401 and "error" in json.loads(refused.read())
    except OSError:
        return False
    return False


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).is_success
    except httpx.HTTPError:
        return False


def _with_bind(lab: LabServices, bind: str) -> LabServices:
    settings = lab.settings.model_copy(
        update={
            "gateway_engine": "spark",
            "gateway_spark_storage": "encrypted-parquet",
            "gateway_spark_kms_bind": bind,
        }
    )
    return dataclasses.replace(lab, settings=settings)


def test_each_process_takes_its_own_port_of_the_range(sqlite_lab: LabServices) -> None:
    """Two gateways with the same two-port range (as two workers) both serve keys, on different
    ports; a third finds the range full and says so in one line."""
    first = _free_ports(2)
    lab = _with_bind(sqlite_lab, f"127.0.0.1:{first}-{first + 1}")
    opened: list[EncryptedTables] = []
    try:
        for _ in range(2):
            tables = tables_for(lab)
            assert isinstance(tables, EncryptedTables)
            opened.append(tables)
        urls = {tables.kms_url for tables in opened}
        assert urls == {f"http://127.0.0.1:{first}", f"http://127.0.0.1:{first + 1}"}
        assert all(_refuses_a_forged_token(port) for port in (first, first + 1))
        with pytest.raises(ConfigurationError, match=r"every port .* is taken") as full:
            tables_for(lab)
        assert "\n" not in full.value.message
    finally:
        for tables in opened:
            tables.close()


@pytest.mark.parametrize("bind", ["127.0.0.1:9555", "127.0.0.1:9555-9556"])
def test_a_fixed_range_shorter_than_the_workers_is_refused(bind: str) -> None:
    """Three workers need three ports (or port 0); fewer is refused before any starts."""
    with pytest.raises(ConfigurationError, match=r"range of at least 3 .* or port 0"):
        check_key_service_ports(bind, 3)
    check_key_service_ports("127.0.0.1:0", 3)
    check_key_service_ports("127.0.0.1:9555-9557", 3)


def test_a_malformed_range_is_refused() -> None:
    """A range that runs backwards is a configuration error, not a silent single port."""
    with pytest.raises(ConfigurationError, match="not host:port or host:first-last"):
        check_key_service_ports("127.0.0.1:9556-9555", 1)


def _environment(home: Path, bind: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DATALAB_")}
    return (
        environment
        | SPARK_ON_ENCRYPTED_PARQUET
        | {
            "DATALAB_HOME": str(home),
            "DATALAB_GATEWAY_SPARK_KMS_BIND": bind,
            "DATALAB_GATEWAY_SPARK_DRIVER_MEMORY": "512m",
        }
    )


def test_datalab_serve_refuses_one_fixed_port_for_two_workers(tmp_path: Path) -> None:
    """The real command stops with one line (status 2) instead of a worker dying on the port."""
    port = _free_ports(1)
    done = subprocess.run(
        [sys.executable, "-m", "lab.cli", "serve", "--workers", "2", "--port", str(port + 1)],
        env=_environment(tmp_path / "home", f"127.0.0.1:{port}"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    refusal = [line for line in done.stderr.splitlines() if line.startswith("datalab:")]
    assert len(refusal) == 1 and "range of at least 2" in refusal[0]


def test_datalab_serve_with_two_workers_runs_two_key_services(tmp_path: Path) -> None:
    """``datalab serve --workers 2`` with Spark on encrypted Parquet and a two-port range: both
    workers start (each its Spark session), and each port answers as a key service."""
    try:
        check_prerequisites(SparkConfig())
    except ConfigurationError as missing:
        pytest.skip(f"Spark cannot run here: {missing.message}")
    first, port = _free_ports(2), _free_ports(3) + 2
    server = subprocess.Popen(
        [sys.executable, "-m", "lab.cli", "serve", "--workers", "2", "--port", str(port)],
        env=_environment(tmp_path / "home", f"127.0.0.1:{first}-{first + 1}"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and server.poll() is None:
            # a worker's key service starts with its app, before the worker listens for HTTP
            if all(_refuses_a_forged_token(p) for p in (first, first + 1)) and _healthy(port):
                break
            time.sleep(1)
        assert server.poll() is None, "the server stopped"
        assert all(_refuses_a_forged_token(p) for p in (first, first + 1))
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).is_success
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
