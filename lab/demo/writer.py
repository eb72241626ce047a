"""Write demo tables to disk byte-reproducibly: CSV (UTF-8, UTF-8 with BOM, GBK), XLSX, Parquet.

Every format goes through one Arrow table, so identifier columns are cast to text once and all
CSV variants share the same cell formatting; only the bytes around them differ. The GBK file
also uses CRLF line ends, as files exported on Chinese Windows desktops do. XLSX archives get
fixed timestamps so the same seed always yields the same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from lab.demo.manifest import DemoTable

_FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
_FIXED_XML_TIME = "2026-01-01T00:00:00Z"
_CORE_TIMES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def write_table(table: DemoTable, out_dir: Path) -> Path:
    """Write ``table`` into ``out_dir`` under its manifest file name and return the path."""
    dataset = table.dataset
    arrow = _to_arrow(table)
    path = out_dir / dataset.file_name
    if dataset.format == "csv":
        path.write_bytes(_csv_bytes(arrow, dataset.encoding or "utf-8"))
    elif dataset.format == "parquet":
        pq.write_table(arrow, path, compression="zstd")
    elif dataset.format == "xlsx":
        path.write_bytes(_xlsx_bytes(arrow, sheet_title=dataset.title))
    else:
        raise AssertionError(f"unhandled format {dataset.format!r}: this is a bug")
    return path


def _to_arrow(table: DemoTable) -> pa.Table:
    """The frame as Arrow, with identifier columns forced to (non-large) strings."""
    arrow = pa.Table.from_pandas(table.frame, preserve_index=False)
    for name in table.dataset.identifier_columns:
        index = arrow.schema.get_field_index(name)
        arrow = arrow.set_column(index, name, arrow.column(name).cast(pa.string()))
    return arrow


def _csv_bytes(arrow: pa.Table, encoding: str) -> bytes:
    """CSV with a header, quoting only where needed, in ``encoding`` (BOM for utf-8-sig)."""
    buffer = io.BytesIO()
    eol = "\r\n" if encoding == "gbk" else "\n"
    pa_csv.write_csv(arrow, buffer, pa_csv.WriteOptions(quoting_style="needed", eol=eol))
    text = buffer.getvalue().decode("utf-8")
    return text.encode(encoding)


def _xlsx_bytes(arrow: pa.Table, *, sheet_title: str) -> bytes:
    """A one-sheet workbook; text stays text, numbers stay numbers, timestamps are pinned."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.append(arrow.column_names)
    for row in zip(*(column.to_pylist() for column in arrow.columns), strict=True):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _pin_zip_times(buffer.getvalue())


def _pin_zip_times(archive: bytes) -> bytes:
    """Rewrite an XLSX archive with fixed entry times and fixed document timestamps."""
    source = zipfile.ZipFile(io.BytesIO(archive))
    target_buffer = io.BytesIO()
    with zipfile.ZipFile(target_buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _CORE_TIMES.sub(rb"\g<1>" + _FIXED_XML_TIME.encode() + rb"\g<3>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return target_buffer.getvalue()
