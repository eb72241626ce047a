"""One process sweeps at a time: while one holds the lab-wide turn (an advisory lock on
PostgreSQL, a file lock beside SQLite), ``datalab sweep`` in another process stops in one line
and a server's scheduled sweep skips its round; released, both sweep again."""

from __future__ import annotations

import logging

from lab.housekeeping.schedule import sweep_in_background
from lab.housekeeping.turn import BUSY, sweeping_turn
from lab.services import LabServices
from tests.unit.lab.cli.shell import datalab


def _sweep_command(lab: LabServices):
    return datalab(lab.settings.home, "sweep", DATALAB_DATABASE_URL=lab.settings.database_url)


def test_one_process_sweeps_at_a_time(lab: LabServices, caplog) -> None:
    """Held here: the command in another process exits 2 saying so, the scheduled sweep of this
    one skips without an error; released: the command sweeps (finding nothing)."""
    caplog.set_level(logging.DEBUG, logger="lab.housekeeping")
    with sweeping_turn(lab):
        refused = _sweep_command(lab)
        assert refused.returncode == 2 and refused.stderr.strip() == f"datalab: {BUSY}"
        assert sweep_in_background(lab) is None
    assert [r.levelname for r in caplog.records] == ["DEBUG"]
    swept = _sweep_command(lab)
    assert swept.returncode == 0, swept.stderr
    assert swept.stdout.startswith("nothing to sweep")
    assert sweep_in_background(lab) is not None
