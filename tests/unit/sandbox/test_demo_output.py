"""The sandbox demo keeps the terminal for people: the hub's output (its proxy's start-up
traces) goes to a private log file beside the lab's, not between the logins and the addresses."""

from __future__ import annotations

import stat

from lab.settings import LabSettings
from sandbox.cli import hub_log_file


def test_hub_log_is_private_and_beside_the_lab_log(tmp_path) -> None:
    """The file exists before the hub starts, mode 0600, in the lab's 0700 log folder."""
    settings = LabSettings(home=tmp_path / "home")
    log = hub_log_file(settings)
    assert log.parent == settings.resolved_log_file.parent
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
