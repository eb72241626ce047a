"""Writing an open (T1) table as CSV, JSON or XLSX from its Parquet file, with bounded memory.

CSV and JSON are written by DuckDB straight from the Parquet file (fast, streaming, under a
memory limit); XLSX is written from record batches in openpyxl's write-only mode, so memory
stays bounded by one batch whatever the table's size.
Text cells that a spreadsheet would run as formulas are defused in CSV and XLSX
(``lab.catalogue.spreadsheet``); JSON keeps values exact. Numbers are written as integers when
they are whole, else in full precision.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook

from lab.catalogue.spreadsheet import defuse_cell, defuse_sql
from lab.errors import InternalError
from lab.sql_text import sql_name, sql_string

BATCH_ROWS = 5_000
MEMORY_LIMIT = "512MB"
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
    """The column names of the Parquet file ``source``."""
    return list(pq.read_schema(source).names)


def plain(value: object) -> object:
    """A cell as JSON can hold it: whole floats as integers, NaN and infinities as null."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value.is_integer() and abs(value) < _EXACT_INTEGER:
            return int(value)
    return value


def write_csv(source: Path, target: Path) -> None:
    """UTF-8 CSV with a header row, written by DuckDB straight from the Parquet file.

    Whole numbers are written without a decimal point, infinities and NaN as empty cells, text
    defused (``defuse_sql``); DuckDB streams row groups, so memory stays bounded.
    """
    schema = pq.read_schema(source)
    columns = ", ".join(
        f"{_csv_value(field)} AS {sql_name(defuse_cell(field.name))}" for field in schema
    )
    _copy(source, target, columns, "FORMAT csv, HEADER true, NULL ''")


def _copy(source: Path, target: Path, columns: str, options: str) -> None:
    """DuckDB streams ``columns`` of the Parquet file into ``target`` under a memory limit."""
    with duckdb.connect(":memory:") as connection:
        connection.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        connection.execute(
            f"COPY (SELECT {columns} FROM read_parquet({sql_string(source)})) "  # noqa: S608
            f"TO {sql_string(target)} ({options})"
        )


def _csv_value(field: pa.Field) -> str:
    name = sql_name(field.name)
    if pa.types.is_floating(field.type):
        return (
            f"CASE WHEN NOT isfinite({name}) THEN NULL "
            f"WHEN {name} = trunc({name}) AND abs({name}) < {_EXACT_INTEGER} "
            f"THEN CAST(CAST({name} AS BIGINT) AS VARCHAR) ELSE CAST({name} AS VARCHAR) END"
        )
    if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
        return defuse_sql(name)
    return f"CAST({name} AS VARCHAR)"


def write_json(source: Path, target: Path) -> None:
    """A JSON array of objects, one per row, keyed by column name, written by DuckDB.

    Values stay exact (text is not defused: JSON is not opened by spreadsheets); NaN and
    infinities, which JSON cannot hold, become null.
    """
    schema = pq.read_schema(source)
    columns = ", ".join(
        f"CASE WHEN isfinite({sql_name(f.name)}) THEN {sql_name(f.name)} END AS {sql_name(f.name)}"
        if pa.types.is_floating(f.type)
        else sql_name(f.name)
        for f in schema
    )
    _copy(source, target, columns, "FORMAT json, ARRAY true")


def write_xlsx(source: Path, target: Path) -> None:
    """An XLSX workbook (write-only mode streams rows to disk); more sheets past Excel's limit."""
    book = Workbook(write_only=True)
    headers = headers_of(source)
    sheet, used = None, XLSX_SHEET_ROWS
    for _names, rows in _batches(source):
        for row in rows:
            if used == XLSX_SHEET_ROWS:
                sheet = book.create_sheet(f"data{len(book.worksheets) + 1}")
                sheet.append([_cell(h) for h in headers])
                used = 0
            if sheet is None:
                raise InternalError("an XLSX row came before its sheet")
            sheet.append([_cell(v) for v in row])
            used += 1
    if sheet is None:
        sheet = book.create_sheet("data1")
        sheet.append([_cell(h) for h in headers])
    book.save(target)


def _cell(value: object) -> object:
    # openpyxl runs a string as a formula only when it starts with "=", which a defused cell never
    # does: it is stored as text.
    value = plain(value)
    return defuse_cell(value) if isinstance(value, str) else value


WRITERS = {"csv": write_csv, "json": write_json, "xlsx": write_xlsx}
