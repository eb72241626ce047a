"""The staging area: uploads copied in with a checksum, read once into a text Parquet file.

Each ingest gets its own 0700 folder under ``$DATALAB_HOME/staging``. The upload is streamed in
1 MiB pieces (hashing as it goes); then the source is read chunk by chunk into ``table.parquet``
(every column text), profiled and sampled on the way, so memory stays bounded by the chunk
size. A failed ingest removes its folder: nothing partial is left behind.

Plaintext stays on disk only while the ingest request runs. Once classified, the staged table
is sealed (``lab.catalogue.versions.staged``, where publication opens it again), so a version
awaiting the steward's decision is encrypted at rest.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from lab.catalogue.versions.staged import STAGED_TABLE
from lab.errors import InvalidInput
from lab.ingest.profile import ColumnProfile, TableProfiler
from lab.ingest.readers import read_frames
from lab.ingest.sampling import TableSampler
from lab.ingest.sources import SourceFile, describe, safe_file_name

PIECE = 1024 * 1024


@dataclass(frozen=True)
class StagedTable:
    """A source read into staging: its text Parquet, profile, a sample and its checksum."""

    folder: Path
    source: SourceFile
    sha256: str
    columns: tuple[str, ...]
    rows: int
    profile: tuple[ColumnProfile, ...]
    sample: pd.DataFrame

    @property
    def table_path(self) -> Path:
        return self.folder / STAGED_TABLE


def new_staging_folder(root: Path) -> Path:
    """A fresh, randomly named 0700 folder under ``root``."""
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder = root / secrets.token_hex(8)
    folder.mkdir(mode=0o700)
    return folder


def copy_upload(stream: BinaryIO, target: Path, max_bytes: int) -> str:
    """Stream ``stream`` into ``target``; return its SHA-256; refuse files over ``max_bytes``."""
    digest = hashlib.sha256()
    written = 0
    with target.open("wb") as out:
        while piece := stream.read(PIECE):
            written += len(piece)
            if written > max_bytes:
                raise InvalidInput(f"the file is larger than the {max_bytes}-byte ingest limit")
            digest.update(piece)
            out.write(piece)
    return digest.hexdigest()


def stage(
    stream: BinaryIO,
    name: str,
    root: Path,
    *,
    max_bytes: int,
) -> StagedTable:
    """Copy, recognise, read, profile and sample an upload; on any error remove the folder."""
    safe_file_name(name)
    folder = new_staging_folder(root)
    try:
        source_path = folder / f"source{Path(name).suffix.lower()}"
        sha256 = copy_upload(stream, source_path, max_bytes)
        source = describe(source_path, name)
        return _read_into_parquet(folder, source, sha256)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _read_into_parquet(folder: Path, source: SourceFile, sha256: str) -> StagedTable:
    writer: pq.ParquetWriter | None = None
    profiler: TableProfiler | None = None
    sampler = TableSampler(seed=int(sha256[:8], 16))
    columns: list[str] = []
    try:
        for chunk in read_frames(source):
            if writer is None:
                columns = list(chunk.columns)
                schema = pa.schema([(c, pa.string()) for c in columns])
                writer = pq.ParquetWriter(folder / STAGED_TABLE, schema, compression="lz4")
                profiler = TableProfiler(columns)
            assert profiler is not None  # made with the writer, on the first chunk
            writer.write_table(pa.Table.from_pandas(chunk, schema=schema, preserve_index=False))
            profiler.add(chunk)
            sampler.add(chunk)
    finally:
        if writer is not None:
            writer.close()
    if profiler is None or profiler.rows == 0:
        raise InvalidInput(f"{source.name}: has a header but no data rows")
    sample = sampler.result()
    return StagedTable(
        folder, source, sha256, tuple(columns), profiler.rows, profiler.result(sample), sample
    )
