"""One sweep of everything crashes leave behind, audited when it deleted anything.

Two kinds of leftovers, each deleted only once untouched for ``DATALAB_SWEEP_GRACE_SECONDS``
(longer than any publication, so a publication in flight, whose objects and export nobody owns
until it commits, is never swept from under it):

* object-store version folders of a dataset that no recorded version owns — a publish killed
  before its commit (``lab.catalogue.versions.orphans``);
* encrypted Parquet exports for Spark that no served version owns, and hidden folders of an
  export or a deletion cut short (``lab.gateway.table_exports``).

The sweep runs in the lab-wide turn (``turn``): one process at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from lab.catalogue.versions.orphans import sweep_orphans
from lab.db.models import Dataset
from lab.errors import InternalError
from lab.gateway.table_exports import sweep_exports
from lab.housekeeping.turn import sweeping_turn
from lab.services import LabServices

AUDIT_ACTION = "leftovers.sweep"


@dataclass(frozen=True)
class SweepReport:
    """What one sweep deleted: objects per dataset (those with any) and export folders."""

    grace_seconds: int
    objects: tuple[tuple[str, int], ...] = ()
    exports: int = 0

    def __post_init__(self) -> None:
        if self.exports < 0 or any(count <= 0 for _, count in self.objects):
            raise InternalError("a sweep report counts deletions: positive per dataset listed")

    @property
    def object_count(self) -> int:
        """Objects deleted from the store, over every dataset."""
        return sum(count for _, count in self.objects)

    @property
    def deleted_anything(self) -> bool:
        return bool(self.objects or self.exports)

    def to_json(self) -> dict[str, Any]:
        return {
            "grace_seconds": self.grace_seconds,
            "objects": dict(self.objects),
            "exports": self.exports,
        }


def sweep_leftovers(lab: LabServices, *, actor: str) -> SweepReport:
    """Sweep every dataset's orphaned objects, then the unowned exports, in the lab-wide turn
    (``SweepBusy``, a Conflict, if another process is sweeping). What was deleted is audited
    in one entry — also when a failure cut the sweep short, before the failure propagates."""
    grace = lab.settings.sweep_grace_seconds
    older_than = timedelta(seconds=grace)
    objects: list[tuple[str, int]] = []
    exports = 0
    with sweeping_turn(lab):
        try:
            for slug in _dataset_slugs(lab):
                if removed := sweep_orphans(lab, slug, older_than=older_than):
                    objects.append((slug, removed))
            exports = sweep_exports(lab, older_than=older_than)
        finally:
            report = SweepReport(grace, tuple(objects), exports)
            if report.deleted_anything:
                lab.audit.append(
                    actor=actor, action=AUDIT_ACTION, target="leftovers", details=report.to_json()
                )
    return report


def _dataset_slugs(lab: LabServices) -> list[str]:
    with lab.sessions() as session:
        return list(session.scalars(select(Dataset.slug).order_by(Dataset.slug)))
