"""The encrypted Parquet export of a restricted version lives as long as the version is served.

With Spark reading encrypted Parquet (``DATALAB_GATEWAY_SPARK_STORAGE=encrypted-parquet``),
publishing a restricted version writes its export to the shared folder before the version is
switched on, from the plaintext the publication already holds in memory, so the gateway's first
query only leases it. Withdrawing the version, or publishing its successor, deletes the export —
data files and the wrapped keys beside them — after the commit; a version whose publication
fails has its export deleted at once. Every step is idempotent, and a crash leaves at worst an
export no served version owns, which ``sweep_exports`` deletes (as ``sweep_orphans`` does for
the object store). Writing goes through a hidden staging folder renamed into place, deleting
through a hidden folder renamed out of place, so half an export is never read.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select

from lab.catalogue.versions.decisions import VersionState
from lab.db.models import Dataset, DatasetVersion, DpMetadata
from lab.gateway.encrypted_tables import encrypted_tables, export_folder, remove_export
from lab.services import LabServices
from lab.settings import LabSettings

DATA_OBJECT = "data.parquet"


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


def sweep_exports(lab: LabServices) -> int:
    """Delete every export no served restricted version owns, and the leftovers of a crashed
    deletion; returns how many folders went. Run when no publication is in flight (its fresh
    export is not owned until it commits; a lease would export it again)."""
    folder = lab.settings.resolved_spark_tables_dir
    if not folder.is_dir():
        return 0
    owned = {export_folder(folder, key).name for key in _served_objects(lab)}
    doomed = [
        path
        for path in folder.iterdir()
        if path.is_dir()
        and (
            (path.name.startswith("t") and path.name not in owned)
            or (path.name.startswith(".t") and path.name.endswith(".removing"))
        )
    ]
    for path in doomed:
        remove_export(path)
    return len(doomed)


def _served_objects(lab: LabServices) -> list[str]:
    with lab.sessions() as session:
        versions = session.scalars(
            select(DatasetVersion)
            .join(Dataset, Dataset.current_version_id == DatasetVersion.id)
            .join(DpMetadata, DpMetadata.version_id == DatasetVersion.id)
            .where(DatasetVersion.state == VersionState.PUBLISHED)
        )
        return [key for version in versions for key in table_objects(version.objects)]
