"""Handing an approved applicant a fingerprinted copy of a T2 dataset's de-identified extract.

Each download is a ZIP holding the extract as CSV (UTF-8 with BOM, for Excel), with a keyed
record number per row and the rows in the key's order (``fingerprint``), formula-looking cells
defused, plus a signed ``MANIFEST.json`` naming the download record (``manifests``). The CSV
holds only the columns the approved application asked for (``column_choice``), in the
extract's order, each coded column followed by its labels (``行业门类`` F, ``行业门类名称``
批发和零售业); an application stored before columns were ticked receives every column. The
record is written before the copy is built and completed and audited before it is handed out;
the build itself runs outside any transaction, so it never holds the database's writer lock.

Memory stays bounded whatever the extract's size: the published Parquet is read batch by
batch, each row numbered and defused into a numbered Parquet file; DuckDB sorts that by number
into CSV (spilling to the work folder beyond its memory limit); the CSV is streamed into the
ZIP and hashed on the way. Every intermediate file lives in the caller's private work folder
and is removed before returning; the ZIP is streamed to the caller from there.
"""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from classification import Tier
from lab.catalogue.portal_workflow.applications import get_application, require_download_allowed
from lab.catalogue.spreadsheet import defuse_cell
from lab.catalogue.t2_extracts.column_choice import OfferedColumn, offered_columns
from lab.catalogue.t2_extracts.fingerprint import (
    RECORD_ID_COLUMN,
    fingerprint_key,
    record_id,
    row_digest,
)
from lab.catalogue.t2_extracts.manifests import MANIFEST_NAME, SIGNATURE_NAME, sign
from lab.catalogue.versions.datasets import current_version
from lab.clock import now
from lab.db import row_of, transaction
from lab.db.models import Dataset, ExtractDownload, User
from lab.errors import Conflict, NotFound
from lab.reference import code_labels
from lab.services import LabServices
from lab.sql_text import sql_string

DATA_OBJECT = "data.parquet"
BOM = "\ufeff".encode()
_BATCH_ROWS = 50_000
_CHUNK = 1024 * 1024
_SORT_MEMORY = "512MB"


@dataclass(frozen=True)
class DeliveredExtract:
    """One fingerprinted copy, in a temporary file the caller streams and then removes."""

    download_id: int
    path: Path
    file_name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class _Order:
    """What the copy is built from, read and recorded before the (long) build."""

    download_id: int
    application_id: int
    slug: str
    title: str
    version: int
    data_key: str
    recipient: str
    organisation: str
    issued_at: str
    access_until: str
    columns: tuple[OfferedColumn, ...]
    """The approved columns (every offered one for an application without a choice)."""


def issue_download(
    lab: LabServices, *, application_id: int, applicant_id: int, work_dir: Path
) -> DeliveredExtract:
    """Record a download for the applicant's approved application and build its copy.

    The record is written first (so the copy's fingerprint key exists), the copy is built with
    no transaction open — SQLite's single writer stays free while DuckDB sorts — and the
    record is completed and audited in a second transaction that re-checks the approval. The
    copy is handed out only after that commit; a failed build or a withdrawn approval removes
    the record and the file, so no copy leaves the lab untraced.
    """
    order = _record_order(lab, application_id, applicant_id)
    path = work_dir / f"extract-{order.download_id}.zip"
    try:
        rows, sha256 = _build(lab, order, path, work_dir)
        _complete(lab, order, rows, sha256)
    except BaseException:
        path.unlink(missing_ok=True)
        _forget(lab, order.download_id)
        raise
    name = f"{order.title}-{order.download_id}.zip"
    return DeliveredExtract(order.download_id, path, name, path.stat().st_size, _file_sha256(path))


def _record_order(lab: LabServices, application_id: int, applicant_id: int) -> _Order:
    """Check the approval and write the download record (rows and checksum still empty)."""
    with transaction(lab.sessions) as session:
        application = get_application(session, application_id)
        if application.applicant_id != applicant_id:
            raise NotFound(f"no application {application_id}")
        require_download_allowed(application)
        dataset = row_of(session, Dataset, application.dataset_id)
        version = current_version(session, dataset)
        if version is None or version.tier != Tier.T2.value:
            raise NotFound(f"the extract of {dataset.slug!r} is not available")
        record = ExtractDownload(
            application_id=application.id,
            version_id=version.id,
            recipient=_recipient(session, application),
            rows=0,
            sha256="",
            created_at=now(),
        )
        session.add(record)
        session.flush()
        assert application.access_until is not None  # require_download_allowed checked it
        offered = offered_columns(session, version)
        chosen = application.form.get("fields")
        if isinstance(chosen, list):
            offered = tuple(c for c in offered if c.name in chosen)
        return _Order(
            download_id=record.id,
            application_id=application.id,
            slug=dataset.slug,
            title=dataset.title,
            version=version.number,
            data_key=version.objects[DATA_OBJECT],
            recipient=record.recipient,
            organisation=application.form.get("organisation", ""),
            issued_at=record.created_at.isoformat(),
            access_until=application.access_until.isoformat(),
            columns=offered,
        )


def _build(lab: LabServices, order: _Order, path: Path, work_dir: Path) -> tuple[int, str]:
    """Write the fingerprinted ZIP with its signed manifest; (rows, SHA-256 of the data file)."""
    key = fingerprint_key(lab.secret_key, order.download_id)
    data_file = f"{order.slug}.csv"
    with tempfile.TemporaryDirectory(dir=work_dir) as scratch:
        sorted_csv, rows = _numbered_csv(lab, order, key, scratch)
        archive = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        sha256 = _add_data(archive, data_file, sorted_csv)
    manifest = {
        "download_id": order.download_id,
        "application_id": order.application_id,
        "dataset": order.slug,
        "title": order.title,
        "version": order.version,
        "recipient": order.recipient,
        "organisation": order.organisation,
        "issued_at": order.issued_at,
        "access_until": order.access_until,
        "data_file": data_file,
        "columns": [c.name for c in order.columns],
        "rows": rows,
        "sha256": sha256,
    }
    manifest_bytes, signature = sign(lab.signing.current(), manifest)
    with archive:
        archive.writestr(MANIFEST_NAME, manifest_bytes)
        archive.writestr(SIGNATURE_NAME, signature)
    return rows, sha256


def _complete(lab: LabServices, order: _Order, rows: int, sha256: str) -> None:
    """Fill in the record and audit the download, if the approval still holds."""
    with transaction(lab.sessions) as session:
        require_download_allowed(get_application(session, order.application_id))
        record = row_of(session, ExtractDownload, order.download_id)
        record.rows, record.sha256 = rows, sha256
        lab.audit.append_in(
            session,
            actor=order.recipient,
            action="extract.download",
            target=f"dataset:{order.slug}",
            details={
                "download_id": order.download_id,
                "application_id": order.application_id,
                "version": order.version,
                "rows": rows,
                "sha256": sha256,
            },
        )


def _forget(lab: LabServices, download_id: int) -> None:
    """Remove the record of a copy that was never handed out."""
    with transaction(lab.sessions) as session:
        record = session.get(ExtractDownload, download_id)
        if record is not None:
            session.delete(record)


def _recipient(session, application) -> str:
    return session.get(User, application.applicant_id).username


def _numbered_csv(
    lab: LabServices, order: _Order, fingerprint: bytes, scratch: str
) -> tuple[Path, int]:
    """The approved columns as CSV (no BOM), labelled, numbered, defused and in the key's
    order; and its rows."""
    folder = Path(scratch)
    published, numbered, ordered = (folder / n for n in ("in.parquet", "numbered.parquet", "out"))
    with published.open("wb") as local:
        for chunk in lab.store.get(order.data_key):
            local.write(chunk)
    source = pq.ParquetFile(published)
    delivered = _delivered(order.columns, source.schema_arrow.names)
    headers = [header for column in delivered for header in _headers(column)]
    schema = pa.schema([(name, pa.string()) for name in (RECORD_ID_COLUMN, *headers)])
    rows = 0
    with pq.ParquetWriter(numbered, schema) as writer:
        for batch in source.iter_batches(
            batch_size=_BATCH_ROWS, columns=[c.name for c in delivered]
        ):
            columns = [
                cells
                for column, values in zip(delivered, batch.columns, strict=True)
                for cells in _cells(column, values.to_pylist())
            ]
            values = list(zip(*columns, strict=True))
            ids = [record_id(fingerprint, row_digest(headers, row)) for row in values]
            writer.write_table(pa.Table.from_arrays([pa.array(ids), *columns], schema=schema))
            rows += len(values)
    published.unlink()
    with duckdb.connect() as engine:
        engine.execute(f"SET memory_limit = '{_SORT_MEMORY}'")
        engine.execute(f"SET temp_directory = {sql_string(folder / 'spill')}")
        engine.execute(
            f"COPY (SELECT * FROM read_parquet({sql_string(numbered)}) "  # noqa: S608
            f'ORDER BY "{RECORD_ID_COLUMN}") TO {sql_string(ordered)} (FORMAT csv, HEADER)'
        )
    numbered.unlink()
    return ordered, rows


def _delivered(approved: tuple[OfferedColumn, ...], present: list[str]) -> list[OfferedColumn]:
    """The approved columns the published extract has, in its order; Conflict if none.

    A coded column whose label header the extract already uses goes without a label column.
    """
    by_name = {c.name: c for c in approved}
    delivered = [
        replace(by_name[name], code_list="")
        if by_name[name].label_header in present
        else by_name[name]
        for name in present
        if name in by_name
    ]
    if not delivered:
        raise Conflict("none of the approved columns is in the published extract any more")
    return delivered


def _headers(column: OfferedColumn) -> tuple[str, ...]:
    """The CSV headers a column fills: its own, then its label column when it is coded."""
    return (column.name, column.label_header) if column.code_list else (column.name,)


def _cells(column: OfferedColumn, values: list) -> list[list[str]]:
    """The defused cells of one column, and of its label column when it is coded."""
    cells = [defuse_cell("" if v is None else str(v)) for v in values]
    if not column.code_list:
        return [cells]
    labels = code_labels(column.code_list)
    return [cells, [defuse_cell(labels.get("" if v is None else str(v), "")) for v in values]]


def _add_data(archive: zipfile.ZipFile, name: str, csv_path: Path) -> str:
    """Stream ``csv_path`` into the archive after a UTF-8 BOM (for Excel); its SHA-256 as sent."""
    digest = hashlib.sha256(BOM)
    with archive.open(name, "w", force_zip64=True) as entry, csv_path.open("rb") as source:
        entry.write(BOM)
        while chunk := source.read(_CHUNK):
            entry.write(chunk)
            digest.update(chunk)
    return digest.hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
