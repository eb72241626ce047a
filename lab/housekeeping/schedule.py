"""The scheduled sweep of each server process: at start, then every ``sweep_every_seconds``.

Each ``datalab serve`` process (every worker) runs one daemon thread; whichever finds the
lab-wide turn free sweeps, the others skip that round (``turn``). Nothing a sweep raises
reaches the server: a failure is logged in the one error shape (code and message, nothing
else) and the next round tries again.
"""

from __future__ import annotations

import logging
import threading

from lab.errors import LabError
from lab.housekeeping.leftovers import SweepReport, sweep_leftovers
from lab.housekeeping.turn import SweepBusy
from lab.services import LabServices

SERVER_ACTOR = "server"
_STOP_SECONDS = 30.0
log = logging.getLogger("lab.housekeeping")


def sweep_in_background(lab: LabServices) -> SweepReport | None:
    """One scheduled sweep; None if another process had the turn or the sweep failed (logged)."""
    try:
        report = sweep_leftovers(lab, actor=SERVER_ACTOR)
    except SweepBusy:
        log.debug("leftover sweep skipped: another process is sweeping")
        return None
    except Exception as exc:  # see the module docstring: the server outlives any failure
        code, message = _error_shape(exc)
        shape = {"error": {"code": code, "message": message}}
        log.error("leftover sweep failed: %s", message, extra={"fields": shape})
        return None
    if report.deleted_anything:
        log.info("leftover sweep deleted %s", report.to_json())
    return report


class LeftoverSweeper:
    """A daemon thread that sweeps at once and then every ``interval`` seconds until ``stop``;
    an interval of 0 runs nothing."""

    def __init__(self, lab: LabServices, interval: float) -> None:
        self.lab, self.interval = lab, interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="leftover-sweeper", daemon=True)

    @classmethod
    def for_settings(cls, lab: LabServices) -> LeftoverSweeper:
        """Every ``DATALAB_SWEEP_EVERY_SECONDS``."""
        return cls(lab, lab.settings.sweep_every_seconds)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> LeftoverSweeper:
        if self.interval > 0:
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop after the sweep under way, if any (waiting at most half a minute for it)."""
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=_STOP_SECONDS)

    def _run(self) -> None:
        while not self._stopped.is_set():
            sweep_in_background(self.lab)
            if self._stopped.wait(self.interval):
                return


def _error_shape(exc: BaseException) -> tuple[str, str]:
    """The lab's error code and message of ``exc``; only the type's name for anything else
    (its text may carry paths or keys)."""
    if isinstance(exc, LabError):
        return exc.code, exc.message
    return "internal_error", type(exc).__name__
