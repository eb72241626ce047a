"""Withdrawing a published dataset: it stops being served everywhere at once, and it is audited.

One transaction marks the served version ``withdrawn``, points the dataset at no version and
writes the audit entry with the steward's reason. Every reader follows ``current_version_id``
(the portal, its search, the APIs, the DP gateway), so none serves the dataset from the commit
on; its stored objects stay, as the record of what was published, but the encrypted Parquet
export Spark read it from (if any) is deleted after the commit (``table_exports``). Publishing a
new version serves the dataset again.
"""

from __future__ import annotations

from sqlalchemy import select

from lab.audit import AuditLog
from lab.catalogue.versions.decisions import VersionState
from lab.clock import now
from lab.db import transaction
from lab.db.models import Dataset, DatasetVersion
from lab.errors import Conflict, InvalidInput, NotFound
from lab.gateway.table_exports import retire_exports, table_objects
from lab.services import LabServices

MIN_REASON = 10


def withdraw(lab: LabServices, *, slug: str, reason: str, actor: str) -> DatasetVersion:
    """Stop serving ``slug`` (its published version becomes ``withdrawn``); audited with the
    reason, which must say why in at least ``MIN_REASON`` characters."""
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise InvalidInput(f"say why the dataset is withdrawn (at least {MIN_REASON} characters)")
    with transaction(lab.sessions) as session:
        dataset = session.scalar(select(Dataset).where(Dataset.slug == slug).with_for_update())
        if dataset is None:
            raise NotFound(f"no dataset {slug!r}")
        version = session.get(DatasetVersion, dataset.current_version_id or 0)
        if version is None or version.state != VersionState.PUBLISHED:
            raise Conflict(f"dataset {slug!r} is not published; nothing to withdraw")
        version.state = VersionState.WITHDRAWN.value
        dataset.current_version_id, dataset.updated_at = None, now()
        _audit(lab.audit, session, actor, dataset, version, reason)
        exported = table_objects(version.objects)
    retire_exports(lab.settings, exported)
    return version


def _audit(audit: AuditLog, session, actor: str, dataset, version, reason: str) -> None:
    audit.append_in(
        session,
        actor=actor,
        action="dataset.withdraw",
        target=f"dataset:{dataset.slug}",
        details={"version": version.number, "tier": version.tier, "reason": reason},
    )
