"""Handing an approved applicant a fingerprinted copy of a T2 dataset's de-identified extract.

Each download is a ZIP holding the extract as CSV (UTF-8 with BOM, for Excel), with a keyed
record number per row and the rows in the key's order (``fingerprint``), formula-looking cells
defused, plus a signed ``MANIFEST.json`` naming the download record (``manifests``). The record
is written and audited in the same transaction that builds the copy, so no copy exists that
the lab cannot trace. The copy is built in a temporary file (T2 extracts are thousands to a
few million rows, read from the published Parquet) and streamed to the caller from there.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from classification import Tier
from lab.catalogue.applications import get_application, require_download_allowed
from lab.catalogue.datasets import current_version
from lab.catalogue.fingerprint import fingerprint_key, fingerprint_rows
from lab.catalogue.manifests import MANIFEST_NAME, SIGNATURE_NAME, public_key_hex, sign
from lab.catalogue.spreadsheet import defuse_cell
from lab.db import transaction
from lab.db.models import Dataset, ExtractDownload, User
from lab.errors import NotFound
from lab.identity.accounts import now
from lab.services import LabServices

DATA_OBJECT = "data.parquet"


@dataclass(frozen=True)
class DeliveredExtract:
    """One fingerprinted copy, in a temporary file the caller streams and then removes."""

    download_id: int
    path: Path
    file_name: str
    size: int
    sha256: str


def issue_download(
    lab: LabServices, *, application_id: int, applicant_id: int, work_dir: Path
) -> DeliveredExtract:
    """Record a download for the applicant's approved application and build its copy."""
    with transaction(lab.sessions) as session:
        application = get_application(session, application_id)
        if application.applicant_id != applicant_id:
            raise NotFound(f"no application {application_id}")
        require_download_allowed(application)
        dataset = session.get(Dataset, application.dataset_id)
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
        headers, rows = _extract_table(lab, version.objects[DATA_OBJECT], work_dir)
        key = fingerprint_key(lab.secret_key, record.id)
        headers, rows = fingerprint_rows(key, headers, rows)
        data = _csv_bytes(headers, rows)
        record.rows, record.sha256 = len(rows), hashlib.sha256(data).hexdigest()
        manifest = {
            "download_id": record.id,
            "application_id": application.id,
            "dataset": dataset.slug,
            "title": dataset.title,
            "version": version.number,
            "recipient": record.recipient,
            "organisation": application.form.get("organisation", ""),
            "issued_at": record.created_at.isoformat(),
            "access_until": application.access_until.isoformat(),
            "data_file": f"{dataset.slug}.csv",
            "rows": record.rows,
            "sha256": record.sha256,
            "public_key": public_key_hex(lab.secret_key),
        }
        path = work_dir / f"extract-{record.id}.zip"
        _write_zip(path, manifest["data_file"], data, *sign(lab.secret_key, manifest))
        lab.audit.append_in(
            session,
            actor=record.recipient,
            action="extract.download",
            target=f"dataset:{dataset.slug}",
            details={
                "download_id": record.id,
                "application_id": application.id,
                "version": version.number,
                "rows": record.rows,
                "sha256": record.sha256,
            },
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    name = f"{dataset.title}-{record.id}.zip"
    return DeliveredExtract(record.id, path, name, path.stat().st_size, digest)


def _recipient(session, application) -> str:
    return session.get(User, application.applicant_id).username


def _extract_table(lab: LabServices, key: str, work_dir: Path) -> tuple[list[str], list[list[str]]]:
    with tempfile.NamedTemporaryFile(dir=work_dir, suffix=".parquet") as local:
        for chunk in lab.store.get(key):
            local.write(chunk)
        local.flush()
        table = pq.read_table(local.name)
    headers = list(table.column_names)
    columns = [[("" if v is None else str(v)) for v in col.to_pylist()] for col in table.columns]
    rows = [[defuse_cell(value) for value in row] for row in zip(*columns, strict=True)]
    return headers, rows


def _csv_bytes(headers: list[str], rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8-sig")


def _write_zip(path: Path, data_name: str, data: bytes, manifest: bytes, signature: bytes):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(data_name, data)
        archive.writestr(MANIFEST_NAME, manifest)
        archive.writestr(SIGNATURE_NAME, signature)
