"""Reading a source file as chunks of text columns, with bounded memory.

Every value is read as text, exactly as written (an empty cell is missing: None, or NaN in
Arrow-backed string columns; surrounding spaces are the classifier's to normalise), so
identifiers never pass through a float: ``13812345678`` stays ``13812345678`` and an 18-digit
ID keeps its last digits. Each reader yields DataFrames of at most ``chunk_rows`` rows and
refuses, with the row or cell at fault, what it cannot read faithfully: ragged rows, mixed
encodings, formulas, nested JSON.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from itertools import islice

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from lab.errors import InvalidInput
from lab.ingest.sources import SourceFile
from lab.ingest.workbook import iter_sheet_rows

CHUNK_ROWS = 50_000
csv.field_size_limit(16 * 1024 * 1024)


def check_header(header: Sequence[str | None], where: str) -> list[str]:
    """Column names stripped; empty or duplicate names are refused by position."""
    names = [str(h).strip() if h is not None else "" for h in header]
    if not names or all(not n for n in names):
        raise InvalidInput(f"{where}: no header row")
    for position, name in enumerate(names, start=1):
        if not name:
            raise InvalidInput(f"{where}: column {position} has an empty header")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InvalidInput(f"{where}: header {name!r} appears more than once")
        seen.add(name)
    return names


def _frame(rows: list[list[str | None]], header: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=header, dtype=object)


def _text_or_none(value: str) -> str | None:
    stripped = value.strip()
    return stripped if stripped else None


def read_csv(source: SourceFile, chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """CSV through Arrow's streaming reader (all columns text); errors re-read for a line number."""
    header = check_header(_csv_header(source), source.name)
    options = pacsv.ReadOptions(
        column_names=header, skip_rows=1, encoding=_arrow_encoding(source), block_size=BLOCK_BYTES
    )
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(header, pa.string()),
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    try:
        with pacsv.open_csv(source.path, read_options=options, convert_options=convert) as reader:
            for batch in reader:
                for start in range(0, batch.num_rows, chunk_rows):
                    yield batch.slice(start, chunk_rows).to_pandas()
    except (pa.ArrowInvalid, UnicodeDecodeError):
        _raise_csv_problem(source, header)
        raise InvalidInput(f"{source.name}: the CSV cannot be parsed") from None


BLOCK_BYTES = 4 * 1024 * 1024


def _arrow_encoding(source: SourceFile) -> str:
    return "utf8" if source.encoding in (None, "utf-8", "utf-8-sig") else source.encoding


def _open_text(source: SourceFile) -> io.TextIOWrapper:
    return open(source.path, encoding=source.encoding or "utf-8", newline="")


def _csv_header(source: SourceFile) -> list[str]:
    with _open_text(source) as text:
        try:
            header = next(csv.reader(text), [])
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{source.name}: the header cannot be read ({exc})") from None
    return [h.lstrip("\ufeff") for h in header]


def _raise_csv_problem(source: SourceFile, header: list[str]) -> None:
    """Find the first bad line with Python's reader (slow, only after Arrow refused the file)."""
    width = len(header)
    with _open_text(source) as text:
        reader = csv.reader(text)
        try:
            next(reader, None)
            for row in reader:
                if len(row) != width and any(cell.strip() for cell in row):
                    raise InvalidInput(
                        f"{source.name}: line {reader.line_num} has {len(row)} "
                        f"fields, the header has {width}"
                    )
        except UnicodeDecodeError:
            raise InvalidInput(
                f"{source.name}: text near line {reader.line_num + 1} is not "
                f"{source.encoding}; the file mixes encodings — re-save it in one encoding"
            ) from None
        except csv.Error as exc:
            raise InvalidInput(f"{source.name}: line {reader.line_num}: {exc}") from None


def read_xlsx(source: SourceFile, chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """The first sheet of an XLSX file in frames of ``chunk_rows`` rows."""
    rows_iter = iter_sheet_rows(source.path, source.name)
    header = check_header(next(rows_iter, []), source.name)
    while batch := list(islice(rows_iter, chunk_rows)):
        for row in batch:
            if len(row) > len(header) and any(row[len(header) :]):
                raise InvalidInput(f"{source.name}: a row has cells beyond the header's columns")
        yield _frame([(row + [None] * len(header))[: len(header)] for row in batch], header)


def read_json(source: SourceFile, chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """A JSON or JSON Lines table in frames of ``chunk_rows`` rows."""
    header: list[str] | None = None
    rows: list[list[str | None]] = []
    for number, record in enumerate(_json_records(source), start=1):
        if not isinstance(record, dict):
            raise InvalidInput(f"{source.name}: record {number} is not an object")
        if header is None:
            header = check_header(list(record), source.name)
        extra = set(record) - set(header)
        if extra:
            raise InvalidInput(f"{source.name}: record {number} has unknown fields {sorted(extra)}")
        rows.append([_json_cell(record.get(k), source.name, number, k) for k in header])
        if len(rows) >= chunk_rows:
            yield _frame(rows, header)
            rows = []
    if header is None:
        raise InvalidInput(f"{source.name}: no records")
    if rows:
        yield _frame(rows, header)


def _json_cell(value: object, name: str, number: int, key: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict | list):
        raise InvalidInput(f"{name}: record {number} field {key!r} is nested; flatten it first")
    if isinstance(value, bool):
        return "true" if value else "false"
    return _text_or_none(str(value))


def _json_records(source: SourceFile) -> Iterator[object]:
    """Records of a JSON array or of JSON Lines, decoded incrementally."""
    with source.path.open("r", encoding="utf-8-sig") as handle:
        first = handle.read(1)
        while first.isspace():
            first = handle.read(1)
        if first == "[":
            yield from _array_items(handle, source.name)
            return
        handle.seek(0)
        for line_number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InvalidInput(f"{source.name}: line {line_number}: {exc.msg}") from None


def _array_items(handle: io.TextIOBase, name: str) -> Iterator[object]:
    decoder = json.JSONDecoder()
    buffer, position, done = "", 0, False
    while True:
        stripped = buffer[position:].lstrip(" \t\r\n,")
        if stripped.startswith("]"):
            return
        if stripped:
            try:
                item, end = decoder.raw_decode(stripped)
                buffer, position = stripped[end:], 0
                yield item
                continue
            except json.JSONDecodeError as exc:
                if done:
                    raise InvalidInput(f"{name}: invalid JSON: {exc.msg}") from None
        more = handle.read(1024 * 1024)
        done = not more
        if done and not stripped:
            raise InvalidInput(f"{name}: the JSON array is not closed")
        buffer, position = stripped + more, 0


def read_parquet(source: SourceFile, chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """A Parquet file in frames of ``chunk_rows`` rows."""
    try:
        parquet = pq.ParquetFile(source.path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InvalidInput(f"{source.name}: not a readable Parquet file ({exc})") from None
    header = check_header(parquet.schema_arrow.names, source.name)
    for batch in parquet.iter_batches(batch_size=chunk_rows):
        columns = {}
        for name, column in zip(header, batch.columns, strict=True):
            if pa.types.is_nested(column.type):
                raise InvalidInput(f"{source.name}: column {name!r} is nested; flatten it first")
            columns[name] = pc.cast(column, pa.string())
        # Arrow-backed text, as the CSV reader gives: the profiler and scanner's fast paths
        yield pa.table(columns).to_pandas()


READERS = {"csv": read_csv, "xlsx": read_xlsx, "json": read_json, "parquet": read_parquet}


def read_frames(source: SourceFile, chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """Chunks of the source as text columns; the first chunk decides the header."""
    return READERS[source.format](source, chunk_rows)
