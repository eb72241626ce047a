"""Crash consistency: a publish killed at any moment leaves no partial version visible."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pyarrow.parquet as pq

from classification import Tier
from lab.catalogue.versions.datasets import DatasetMeta, get_dataset, get_version
from lab.catalogue.versions.decisions import decide
from lab.catalogue.versions.orphans import sweep_orphans
from lab.catalogue.versions.publishing import publish
from lab.db import transaction
from lab.ingest.pipeline import ingest
from lab.services import open_services
from lab.settings import LabSettings
from tests.unit.lab.ingest import tables

SLUG = "crash-test"
KILL_DELAYS = (0.3, 0.6, 0.9, 1.2, 1.6, 2.0, 2.5, 3.0)


def _ingest_decided(lab, path) -> int:
    meta = DatasetMeta(title="崩溃测试", department="市大数据局", slug=SLUG)
    with path.open("rb") as stream:
        outcome = ingest(lab, stream, path.name, meta, actor="steward")
    with transaction(lab.sessions) as s:
        decide(
            s,
            lab.audit,
            version=get_version(s, outcome.version_id),
            tier=Tier.T1,
            justification="",
            actor="steward",
        )
    return outcome.version_id


def _publish_in_child(home, version_id: int, delay: float) -> bool:
    """Start a publish in a child process and SIGKILL it after ``delay``; True if killed."""
    env = {**os.environ, "DATALAB_HOME": str(home)}
    child = subprocess.Popen(
        [sys.executable, "-m", "lab.cli", "dataset", "publish", str(version_id)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    killed = child.poll() is None
    if killed:
        child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    return killed


def test_killed_publish_never_shows_a_partial_version(tmp_path) -> None:
    """Kill publishes at growing delays: each time, readers see the old or the whole new one."""
    home = tmp_path / "home"
    lab = open_services(LabSettings(home=home))
    first = _ingest_decided(lab, tables.open_table(tmp_path, rows=50, name="v1.csv"))
    publish(lab, version_id=first, actor="steward")
    second = _ingest_decided(lab, tables.open_table(tmp_path, rows=400_000, name="v2.csv"))
    kills = 0
    for delay in KILL_DELAYS:
        kills += _publish_in_child(home, second, delay)
        with lab.sessions() as s:
            dataset = get_dataset(s, SLUG)
            served = get_version(s, dataset.current_version_id)
            rows = pq.read_table(io.BytesIO(lab.store.read_bytes(served.objects["data.parquet"])))
            assert (served.id, rows.num_rows) in ((first, 50), (second, 400_000))
            if served.id == second:
                break
    assert kills >= 1, "every publish finished before it could be killed"
    assert lab.audit.verify().ok
    sweep_orphans(lab, SLUG, older_than=timedelta(0))  # nothing in flight: sweep everything
    with lab.sessions() as s:
        served = get_version(s, get_dataset(s, SLUG).current_version_id)
    assert lab.store.exists(served.objects["data.parquet"]), "sweeping removed a live object"
    lab.close()
