"""The real ``datalab serve`` sweeps leftovers on its own: an export no served version owns,
left on the shared folder while the server runs, is gone once older than the grace period,
without anyone calling the sweep — with two worker processes, one sweep deletes it and one
audit entry, by the server, records it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from lab.housekeeping.leftovers import AUDIT_ACTION
from lab.services import open_services
from lab.settings import LabSettings

GRACE_SECONDS = 2


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(home: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DATALAB_")}
    environment |= {
        "DATALAB_HOME": str(home),
        "DATALAB_SWEEP_GRACE_SECONDS": str(GRACE_SECONDS),
        "DATALAB_SWEEP_EVERY_SECONDS": "1",
    }
    with log.open("wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "lab.cli", "serve", "--workers", "2", "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=environment,
        )


def _wait_until(condition, seconds: float) -> float:
    """Seconds until ``condition()`` held (AssertionError after ``seconds``)."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, "timed out"
        time.sleep(0.1)
    return time.monotonic() - started


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).is_success
    except httpx.TransportError:
        return False


def test_a_running_server_sweeps_an_old_leftover_export(tmp_path: Path) -> None:
    """Left while two workers serve, the export goes within grace + interval + a margin."""
    home, port = tmp_path / "home", _free_port()
    server = _serve(home, port, tmp_path / "server.log")
    try:
        _wait_until(lambda: _answers(f"http://127.0.0.1:{port}"), 120)
        leftover = home / "spark-tables" / ("t" + "0" * 32) / "unit_bucket=00"
        leftover.mkdir(parents=True)
        (leftover / "part-0.parquet").write_bytes(b"ciphertext of a crashed publication")
        took = _wait_until(lambda: not leftover.parent.exists(), GRACE_SECONDS + 30)
        print(f"the leftover was swept {took:.1f} s after it was left")
        assert server.poll() is None, "the server stopped"
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    output = (tmp_path / "server.log").read_text()
    assert "Traceback" not in output and '"level": "ERROR"' not in output
    lab = open_services(LabSettings(home=home))
    try:
        sweeps = [r for r in lab.audit.records() if r.action == AUDIT_ACTION]
        assert [(r.actor, json.loads(r.details)["exports"]) for r in sweeps] == [("server", 1)]
    finally:
        lab.close()
