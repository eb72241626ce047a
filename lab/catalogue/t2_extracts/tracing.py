"""Naming the download record a leaked T2 file came from (``datalab trace FILE``).

A whole download (the ZIP) carries its signed manifest: a valid signature names the record at
once, and the data inside is checked too. A bare table (CSV, XLSX or JSON lines/array, possibly
with rows removed and columns reordered) is weighed against every download record's key
(``fingerprint.weigh``); the record whose key explains it conclusively is named.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from lab.catalogue.t2_extracts.fingerprint import Evidence, fingerprint_key, leaked_table, weigh
from lab.catalogue.t2_extracts.manifests import (
    MANIFEST_NAME,
    SIGNATURE_NAME,
    verify,
)
from lab.db.models import Dataset, DatasetVersion, ExtractApplication, ExtractDownload
from lab.errors import InvalidInput
from lab.services import LabServices

MAX_TRACE_BYTES = 512 * 1024**2


@dataclass(frozen=True)
class TracedDownload:
    """The download record a file came from, and who received it."""

    download_id: int
    application_id: int
    recipient: str
    organisation: str
    dataset: str
    version: int
    issued_at: str


@dataclass(frozen=True)
class TraceResult:
    """What the file says: the record named (if any), how, and the evidence weighed."""

    traced: TracedDownload | None
    manifest_verified: bool
    evidence: Evidence | None
    candidates: int


def trace_file(lab: LabServices, path: Path) -> TraceResult:
    """Trace ``path`` (a downloaded ZIP, or a CSV/XLSX/JSON table taken from one)."""
    if path.stat().st_size > MAX_TRACE_BYTES:
        raise InvalidInput(f"{path.name} is larger than {MAX_TRACE_BYTES // 1024**2} MB")
    manifest_id = None
    if zipfile.is_zipfile(path) and path.suffix.lower() != ".xlsx":
        manifest_id, headers, rows = _read_download(lab, path)
    else:
        headers, rows = read_table(path.name, path.read_bytes())
    with lab.sessions() as session:
        downloads = list(session.scalars(select(ExtractDownload).order_by(ExtractDownload.id)))
        table = leaked_table(headers, rows)
        weighed = [weigh(d.id, fingerprint_key(lab.secret_key, d.id), table) for d in downloads]
        best = _best(weighed, manifest_id)
        named = manifest_id if manifest_id is not None else (best.download_id if best else None)
        traced = _describe(session, named) if named is not None else None
    return TraceResult(traced, manifest_id is not None, best, len(downloads))


def _best(weighed: list[Evidence], manifest_id: int | None) -> Evidence | None:
    if manifest_id is not None:
        return next((e for e in weighed if e.download_id == manifest_id), None)
    conclusive = [e for e in weighed if e.conclusive]
    if len(conclusive) != 1:
        return None
    return conclusive[0]


def _read_download(lab: LabServices, path: Path) -> tuple[int, list[str], list[list[str]]]:
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if not {MANIFEST_NAME, SIGNATURE_NAME} <= names:
            raise InvalidInput(f"{path.name} is a ZIP without a City Data Lab manifest")
        body, signature = archive.read(MANIFEST_NAME), archive.read(SIGNATURE_NAME)
        manifest = verify(lab.signing.current(), body, signature)
        data_name = manifest["data_file"]
        headers, rows = read_table(data_name, archive.read(data_name))
    return int(manifest["download_id"]), headers, rows


def read_table(name: str, raw: bytes) -> tuple[list[str], list[list[str]]]:
    """Header and text rows of a CSV (UTF-8 or GB18030), XLSX or JSON table."""
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_table(raw)
    if suffix in (".json", ".jsonl"):
        return _json_table(raw)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    parsed = [row for row in csv.reader(io.StringIO(text)) if row]
    if not parsed:
        raise InvalidInput(f"{name} holds no table")
    return parsed[0], parsed[1:]


def _xlsx_table(raw: bytes) -> tuple[list[str], list[list[str]]]:
    workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    try:
        values = [
            ["" if v is None else str(v) for v in row]
            for row in workbook.active.iter_rows(values_only=True)
        ]
    finally:
        workbook.close()
    if not values:
        raise InvalidInput("the workbook holds no table")
    return values[0], values[1:]


def _json_table(raw: bytes) -> tuple[list[str], list[list[str]]]:
    text = raw.decode("utf-8-sig").strip()
    lines = text.split("\n")
    records = json.loads(text) if text.startswith("[") else [json.loads(line) for line in lines]
    if not records:
        raise InvalidInput("the JSON holds no records")
    headers = list(records[0])
    return headers, [["" if r.get(h) is None else str(r.get(h)) for h in headers] for r in records]


def _describe(session, download_id: int) -> TracedDownload | None:
    download = session.get(ExtractDownload, download_id)
    if download is None:
        return None
    application = session.get(ExtractApplication, download.application_id)
    version = session.get(DatasetVersion, download.version_id)
    dataset = session.get(Dataset, version.dataset_id)
    return TracedDownload(
        download.id,
        application.id,
        download.recipient,
        application.form.get("organisation", ""),
        dataset.slug,
        version.number,
        download.created_at.isoformat(),
    )
