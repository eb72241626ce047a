"""The encrypted Parquet export of a restricted version lives as long as the version is served.

With Spark reading encrypted Parquet (``DATALAB_GATEWAY_SPARK_STORAGE=encrypted-parquet``),
publishing a restricted version writes its export to the shared folder before the version is
switched on, from the plaintext the publication already holds in memory, so the gateway's first
query only leases it. Withdrawing the version, or publishing its successor, deletes the export —
data files and the wrapped keys beside them — after the commit; a version whose publication
fails has its export deleted at once. Every step is idempotent, and a crash leaves at worst an
export no served version owns (or a hidden half-written or half-deleted folder), which
``sweep_exports`` deletes once it is older than the sweep's grace period — as ``sweep_orphans``
does for the object store; ``lab.housekeeping`` runs both. Writing goes through a hidden
staging folder renamed into place, deleting through a hidden folder renamed out of place, so
half an export is never read.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from lab.catalogue.versions.decisions import VersionState
from lab.clock import now
from lab.db.models import Dataset, DatasetVersion, DpMetadata
from lab.gateway.encrypted_tables import encrypted_tables, export_folder, remove_export
from lab.services import LabServices
from lab.settings import LabSettings

DATA_OBJECT = "data.parquet"
_FOLDER = r"(?:t[0-9a-f]{32}|job-[0-9a-f]{32})"
_SHAPES = re.compile(rf"{_FOLDER}|\.{_FOLDER}\.[0-9a-f]{{8}}\.(?:tmp|removing)")


def exports_enabled(settings: LabSettings) -> bool:
    """Whether restricted versions are exported: Spark reads encrypted Parquet."""
    return settings.gateway_engine == "spark" and settings.gateway_spark_storage != "memory"


def export_published(lab: LabServices, *, object_key: str, plaintext: Path, unit: str) -> Path:
    """Export the restricted table sealed as ``object_key``, whose plaintext Parquet is at
    ``plaintext``, partitioned by the privacy unit ``unit``; returns the export's folder (a key
    service of this process on a free loopback port wraps its keys)."""
    tables = encrypted_tables(lab, bind="127.0.0.1:0")
    try:
        return tables.export(object_key, str(plaintext), unit)
    finally:
        tables.close()


def retire_exports(settings: LabSettings, object_keys: Iterable[str]) -> int:
    """Delete the exports of tables no longer served (withdrawn or superseded versions);
    returns how many there were (absent ones are skipped: deleting twice is harmless)."""
    folder = settings.resolved_spark_tables_dir
    return sum(remove_export(export_folder(folder, key)) for key in object_keys)


def table_objects(objects: dict[str, str] | None) -> list[str]:
    """The object key of a version's table among its ``objects``, as a list of none or one."""
    return [objects[DATA_OBJECT]] if objects and DATA_OBJECT in objects else []


def sweep_exports(lab: LabServices, *, older_than: timedelta) -> int:
    """Delete every export no served restricted version owns, and the leftovers of a crashed
    export, deletion or Spark publication job, once untouched for ``older_than``; returns how
    many folders went.

    Safe while publications are in flight, as long as ``older_than`` exceeds the longest one:
    a publication's fresh export is not owned until it commits, so only its age protects it.
    Age counts from the newest change anywhere in the folder, status changes included: a
    rename keeps a folder's mtime (an export renamed into place, or out of place to be
    deleted, would look as old as its first partition folder) but sets its ctime.
    """
    folder = lab.settings.resolved_spark_tables_dir
    if not folder.is_dir():
        return 0
    cutoff = now() - older_than
    candidates = [p for p in folder.iterdir() if p.is_dir() and _is_leftover_shape(p.name)]
    stale = [path for path in candidates if _last_touched(path) < cutoff]
    owned = {export_folder(folder, key).name for key in served_table_objects(lab)}
    return sum(_remove_leftover(path) for path in stale if path.name not in owned)


def _remove_leftover(path: Path) -> bool:
    """Delete an unowned export (renamed out of place first, as always) or a hidden leftover
    (already out of place: nobody reads it); False if another process got there first."""
    if not path.name.startswith("."):
        return remove_export(path)
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        return False
    return True


def _is_leftover_shape(name: str) -> bool:
    """Whether ``name`` is a folder the lab writes to the shared folder (nothing else there is
    touched): an export, ``t<digest>`` (``kms.table_scope``), or a Spark publication job's
    exchange folder, ``job-<hex>`` (``lab.publication.spark_cut``); or either as a hidden
    folder being written (``.<name>.<random>.tmp``) or deleted (``….removing``)."""
    return _SHAPES.fullmatch(name) is not None


def _last_touched(folder: Path) -> datetime:
    """When anything under ``folder`` (itself included) last changed: the newest mtime or
    ctime. A folder changing right now (an entry vanished while it was read) counts as new."""
    try:
        found = [path.lstat() for path in (folder, *folder.rglob("*"))]
    except FileNotFoundError:
        return now()
    return datetime.fromtimestamp(max(max(s.st_mtime, s.st_ctime) for s in found), UTC)


def served_table_objects(lab: LabServices) -> set[str]:
    """The object keys of the tables of every served (published, current) restricted version."""
    with lab.sessions() as session:
        versions = session.scalars(
            select(DatasetVersion)
            .join(Dataset, Dataset.current_version_id == DatasetVersion.id)
            .join(DpMetadata, DpMetadata.version_id == DatasetVersion.id)
            .where(DatasetVersion.state == VersionState.PUBLISHED)
        )
        return {key for version in versions for key in table_objects(version.objects)}
