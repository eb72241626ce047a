"""Open-data downloads: each format built once per publication, cached in the object store.

Decision: the Parquet object a T1 publication stores is served as is; CSV, JSON and XLSX are
built **on first request** and cached in the object store beside it, under
``open/<slug>/formats/<publication>/data.<ext>``, with a small ``.json`` sidecar holding the
file's size and SHA-256 (and that of the CSV with a BOM, and a SHA-1 for DCAT-AP 2.1.1
harvesters). Building at publish time would make the lab core know the portal's formats and
pay for formats nobody asks for; publications are immutable, so a built file never goes stale,
and the next publication gets new keys. Two first requests racing for the same format may both
build it: the output is deterministic and object puts are atomic, so either copy is right (one
process builds each format at a time).

The CSV with a byte-order mark for Excel is the same object served behind a 3-byte prefix, so
``Range`` requests and checksums cover exactly the bytes sent. Bytes stream from the store in
1 MiB chunks; building reads the Parquet file batch by batch into a temporary file; memory stays
bounded either way.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from lab.db.models import Dataset, DatasetVersion
from lab.errors import NotFound
from lab.services import LabServices
from opendata.portal.catalogue import DATA_OBJECT, FORMATS, PublicDataset, open_rows, visible
from opendata.portal.formats import WRITERS

BOM = b"\xef\xbb\xbf"
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}
_building: dict[str, threading.Lock] = {}
_building_guard = threading.Lock()


@dataclass(frozen=True)
class FormatFile:
    """One downloadable file of a publication: where it is, its size and SHA-256."""

    fmt: str
    key: str
    size: int
    sha256: str
    bom_sha256: str = ""
    sha1: str = ""  # for DCAT-AP 2.1.1 harvesters, whose profile accepts SHA-1 only

    def variant(self, bom: bool) -> tuple[int, str]:
        """(size, sha256) of the bytes sent: with the BOM prefix for ``bom`` CSV."""
        if bom and self.fmt == "csv":
            return self.size + len(BOM), self.bom_sha256
        return self.size, self.sha256

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "size": self.size,
                "sha256": self.sha256,
                "bom_sha256": self.bom_sha256,
                "sha1": self.sha1,
            }
        ).encode()


def check_format(fmt: str) -> str:
    """``fmt`` if the portal serves it; NotFound otherwise."""
    if fmt not in FORMATS:
        raise NotFound(f"no format {fmt!r}; one of {', '.join(FORMATS)}")
    return fmt


def publication_of(lab: LabServices, dataset: PublicDataset) -> tuple[str, str]:
    """(publication id, Parquet object key) of the open ``dataset``'s served version."""
    with lab.sessions() as session:
        version = session.execute(
            visible(select(DatasetVersion).select_from(Dataset)).where(Dataset.slug == dataset.slug)
        ).scalar_one_or_none()
    if version is None or version.tier != "T1":
        raise NotFound(f"no open dataset {dataset.slug!r}")
    return version.publication, version.objects[DATA_OBJECT]


def format_key(slug: str, publication: str, fmt: str) -> str:
    """The object key of a publication's file built in ``fmt``."""
    return f"open/{slug}/formats/{publication}/data.{fmt}"


def built_file(lab: LabServices, dataset: PublicDataset, fmt: str) -> FormatFile | None:
    """The file of ``fmt`` if it was built already (for the dataset page), else None."""
    publication, parquet = publication_of(lab, dataset)
    key = parquet if fmt == "parquet" else format_key(dataset.slug, publication, fmt)
    return _cached(lab, key, fmt)


def prepared_files(
    lab: LabServices, datasets: Iterable[PublicDataset]
) -> dict[tuple[str, str], FormatFile]:
    """Every download file of the open ``datasets`` built already, by (slug, format).

    One query for all publications, then one sidecar read per format; nothing is built.
    """
    open_slugs = [d.slug for d in datasets if d.is_open]
    if not open_slugs:
        return {}
    with lab.sessions() as session:
        rows = session.execute(
            visible(select(Dataset.slug, DatasetVersion).select_from(Dataset)).where(
                Dataset.slug.in_(open_slugs)
            )
        ).all()
    found = {}
    for slug, version in rows:
        if version.tier != "T1":
            continue
        for fmt in FORMATS:
            key = (
                version.objects[DATA_OBJECT]
                if fmt == "parquet"
                else format_key(slug, version.publication, fmt)
            )
            made = _cached(lab, key, fmt)
            if made is not None:
                found[slug, fmt] = made
    return found


def ensure_file(lab: LabServices, dataset: PublicDataset, fmt: str) -> FormatFile:
    """The file of ``fmt`` for the open ``dataset``, built and cached on first request."""
    check_format(fmt)
    publication, parquet = publication_of(lab, dataset)
    key = parquet if fmt == "parquet" else format_key(dataset.slug, publication, fmt)
    found = _cached(lab, key, fmt)
    if found is not None:
        return found
    with _lock_for(key):
        found = _cached(lab, key, fmt)
        if found is None:
            found = _build(lab, dataset, fmt, key)
    return found


def _lock_for(key: str) -> threading.Lock:
    with _building_guard:
        return _building.setdefault(key, threading.Lock())


def _cached(lab: LabServices, key: str, fmt: str) -> FormatFile | None:
    try:
        meta = json.loads(lab.store.read_bytes(f"{key}.json"))
    except NotFound:
        return None
    return FormatFile(
        fmt, key, meta["size"], meta["sha256"], meta.get("bom_sha256", ""), meta.get("sha1", "")
    )


def _build(lab: LabServices, dataset: PublicDataset, fmt: str, key: str) -> FormatFile:
    work = lab.settings.home / "cache" / "build"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work) as folder:
        built = Path(folder) / f"data.{fmt}"
        if fmt == "parquet":
            with built.open("wb") as copy:
                for chunk in lab.store.get(key):
                    copy.write(chunk)
        else:
            with lab.sessions() as session:
                rows = open_rows(lab, session, dataset)
            WRITERS[fmt](rows, built)
        size, sha256, bom_sha256, sha1 = _digests(built, fmt)
        if fmt != "parquet":
            with built.open("rb") as data:
                lab.store.put(key, data, length=size)
    made = FormatFile(fmt, key, size, sha256, bom_sha256, sha1)
    meta = made.to_json()
    lab.store.put(f"{key}.json", [meta], length=len(meta))
    return made


def _digests(path: Path, fmt: str) -> tuple[int, str, str, str]:
    """Size, SHA-256, SHA-256 with the BOM prefix (CSV only) and SHA-1 of the file."""
    plain, with_bom, size = hashlib.sha256(), hashlib.sha256(BOM), 0
    legacy = hashlib.sha1(usedforsecurity=False)  # an integrity checksum, as DCAT-AP 2.1.1 asks
    with path.open("rb") as source:
        while chunk := source.read(1024 * 1024):
            plain.update(chunk)
            with_bom.update(chunk)
            legacy.update(chunk)
            size += len(chunk)
    bom_digest = with_bom.hexdigest() if fmt == "csv" else ""
    return size, plain.hexdigest(), bom_digest, legacy.hexdigest()


def stream(lab: LabServices, made: FormatFile, bom: bool, start: int, end: int) -> Iterator[bytes]:
    """Bytes ``[start, end)`` of the file as sent (BOM prefix included for ``bom`` CSV)."""
    prefix = BOM if bom and made.fmt == "csv" else b""
    if start < len(prefix):
        yield prefix[start:end]
    body_start, body_end = max(start - len(prefix), 0), end - len(prefix)
    if body_end > body_start:
        yield from lab.store.get(made.key, start=body_start, end=body_end)


def file_name(dataset: PublicDataset, fmt: str) -> str:
    """The download's name: the dataset's Chinese title, version and format."""
    return f"{dataset.title}-v{dataset.version}.{fmt}"
