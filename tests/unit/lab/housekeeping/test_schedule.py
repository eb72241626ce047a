"""The scheduled sweep never takes the server down: a sweep that fails (here the object store
is unreachable) is logged in the one error shape — code and message, no secret — and the next
round runs on schedule."""

from __future__ import annotations

import dataclasses
import logging
import socket
import time

from lab.housekeeping.schedule import LeftoverSweeper
from lab.services import LabServices
from lab.storage.s3 import S3ObjectStore, s3_client
from tests.unit.lab.gateway.restricted import publish_tax_table

SECRET = "sweeper-test-secret-key-0123456789"


def _unreachable_store() -> S3ObjectStore:
    """An S3 store on a loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        endpoint = f"127.0.0.1:{probe.getsockname()[1]}"
    return S3ObjectStore(s3_client(endpoint, "sweeper", SECRET), "datalab", endpoint=endpoint)


def test_a_failing_sweep_is_logged_and_the_next_round_runs(
    sqlite_lab: LabServices, tmp_path, caplog
) -> None:
    """Two rounds fail on the unreachable store; each is one ERROR record with the error's code
    and message, and the sweeper thread is still running after them."""
    publish_tax_table(sqlite_lab, tmp_path, units=10)
    lab = dataclasses.replace(sqlite_lab, store=_unreachable_store())
    caplog.set_level(logging.INFO, logger="lab.housekeeping")
    sweeper = LeftoverSweeper(lab, interval=0.2).start()
    try:
        deadline = time.monotonic() + 60
        while len(_failures(caplog)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sweeper.running
    finally:
        sweeper.stop()
    failures = _failures(caplog)
    assert len(failures) >= 2 and not sweeper.running
    for record in failures:
        error = record.fields["error"]
        assert error["code"] == "service_unavailable" and error["message"]
        assert SECRET not in record.getMessage() and SECRET not in error["message"]


def _failures(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "lab.housekeeping" and r.levelname == "ERROR"]


def test_an_interval_of_zero_runs_nothing(sqlite_lab: LabServices) -> None:
    """``DATALAB_SWEEP_EVERY_SECONDS=0`` starts no thread (``datalab sweep`` is then the way)."""
    sweeper = LeftoverSweeper(sqlite_lab, interval=0).start()
    assert not sweeper.running
    sweeper.stop()
