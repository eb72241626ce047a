"""``datalab sweep``, the real command: it deletes the leftovers older than the grace period,
keeps the served version's objects, says what it deleted and is audited as the CLI's."""

from __future__ import annotations

import time

from lab.services import LabServices
from tests.unit.lab.cli.shell import datalab
from tests.unit.lab.gateway.restricted import publish_tax_table
from tests.unit.lab.housekeeping.test_leftovers import (
    _crashed_publications,
    _exports,
    _objects,
    _sweeps,
)


def test_datalab_sweep_deletes_old_leftovers_and_says_what(
    sqlite_lab: LabServices, tmp_path
) -> None:
    """Leftovers two seconds old with a two-second grace: all go, and the output counts them."""
    publish_tax_table(sqlite_lab, tmp_path, units=10)
    served = _objects(sqlite_lab)
    assert len(_crashed_publications(sqlite_lab)) == 3 and len(_exports(sqlite_lab)) == 1
    time.sleep(2.1)
    done = datalab(sqlite_lab.settings.home, "sweep", DATALAB_SWEEP_GRACE_SECONDS="2")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "deleted leftovers untouched for 2 s or more:",
        "  tax: 3 objects no recorded version owns",
        "  Spark exports and job folders no served version owns: 1",
    ]
    assert _objects(sqlite_lab) == served and _exports(sqlite_lab) == []
    assert _sweeps(sqlite_lab) == [
        {"actor": "cli", "grace_seconds": 2, "objects": {"tax": 3}, "exports": 1}
    ]
