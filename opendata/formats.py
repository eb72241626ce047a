"""Writing an open (T1) table as CSV, JSON or XLSX, batch by batch from its Parquet file.

Each writer reads the Parquet file in record batches and writes to a binary sink, so memory
stays bounded by one batch whatever the table's size. Text cells that a spreadsheet would run
as formulas are defused in CSV and XLSX (``lab.catalogue.spreadsheet``); JSON keeps values
exact. Numbers are written as integers when they are whole, else in full precision.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from lab.catalogue.spreadsheet import defuse_cell

BATCH_ROWS = 5_000
XLSX_SHEET_ROWS = 1_048_575  # Excel's limit (1,048,576) less the header row
_EXACT_INTEGER = 2**53


def _batches(source: Path) -> Iterator[tuple[list[str], list[list[object]]]]:
    parquet = pq.ParquetFile(source)
    try:
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
            columns = [column.to_pylist() for column in batch.columns]
            yield batch.schema.names, [list(row) for row in zip(*columns, strict=True)]
    finally:
        parquet.close()


def headers_of(source: Path) -> list[str]:
    return list(pq.read_schema(source).names)


def plain(value: object) -> object:
    """A cell as JSON can hold it: whole floats as integers, NaN and infinities as null."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value.is_integer() and abs(value) < _EXACT_INTEGER:
            return int(value)
    return value


def _text(value: object) -> str:
    value = plain(value)
    if value is None:
        return ""
    return defuse_cell(value) if isinstance(value, str) else str(value)


def write_csv(source: Path, sink: BinaryIO) -> None:
    """UTF-8 CSV (RFC 4180, CRLF rows) with a header row."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([defuse_cell(h) for h in headers_of(source)])
    for _names, rows in _batches(source):
        writer.writerows([_text(v) for v in row] for row in rows)
        sink.write(text.getvalue().encode())
        text.seek(0)
        text.truncate()
    sink.write(text.getvalue().encode())


def write_json(source: Path, sink: BinaryIO) -> None:
    """A JSON array of objects, one per row, keyed by column name."""
    sink.write(b"[")
    first = True
    for names, rows in _batches(source):
        for row in rows:
            record = {name: plain(value) for name, value in zip(names, row, strict=True)}
            sink.write(b"\n" if first else b",\n")
            sink.write(json.dumps(record, ensure_ascii=False).encode())
            first = False
    sink.write(b"\n]\n")


def write_xlsx(source: Path, sink: BinaryIO) -> None:
    """An XLSX workbook (write-only mode streams rows to disk); more sheets past Excel's limit."""
    book = Workbook(write_only=True)
    headers = headers_of(source)
    sheet, used = None, XLSX_SHEET_ROWS
    for _names, rows in _batches(source):
        for row in rows:
            if used == XLSX_SHEET_ROWS:
                sheet = book.create_sheet(f"data{len(book.worksheets) + 1}")
                sheet.append([_cell(sheet, h) for h in headers])
                used = 0
            sheet.append([_cell(sheet, v) for v in row])
            used += 1
    if sheet is None:
        sheet = book.create_sheet("data1")
        sheet.append([_cell(sheet, h) for h in headers])
    book.save(sink)


def _cell(sheet, value: object) -> object:
    value = plain(value)
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, defuse_cell(value))
    cell.data_type = "s"  # text, never a formula, whatever it starts with
    return cell


WRITERS = {"csv": write_csv, "json": write_json, "xlsx": write_xlsx}
