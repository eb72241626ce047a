"""Reading the first sheet of an XLSX workbook safely: zip bombs and formulas are refused.

An XLSX file is a zip archive; before opening it, the archive's declared sizes are checked
(total and per-member expansion ratio), so a small file cannot expand into gigabytes. Formula
cells are refused: their cached results may be stale or absent, so they are not data.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook

from lab.errors import InvalidInput

MAX_EXPANDED_BYTES = 2 * 1024**3
MAX_RATIO = 200


def check_archive(path: Path, name: str) -> None:
    """Refuse archives that are corrupt or expand beyond safe limits."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise InvalidInput(f"{name}: not a valid XLSX (zip) file") from None
    total = sum(m.file_size for m in members)
    if total > MAX_EXPANDED_BYTES:
        raise InvalidInput(
            f"{name}: expands to {total} bytes, beyond the {MAX_EXPANDED_BYTES} limit"
        )
    for member in members:
        ratio = member.file_size / member.compress_size if member.compress_size else 0
        if ratio > MAX_RATIO:
            raise InvalidInput(
                f"{name}: member {member.filename!r} expands {ratio:.0f}× (a zip bomb?); "
                f"the limit is {MAX_RATIO}×"
            )


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return (
            value.isoformat(sep=" ")
            if value.time() != datetime.min.time()
            else value.date().isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def iter_sheet_rows(path: Path, name: str) -> Iterator[list[str | None]]:
    """Rows of the first sheet as lists of text; formulas raise InvalidInput naming the cell."""
    check_archive(path, name)
    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for malformed workbooks
        raise InvalidInput(f"{name}: cannot be read as XLSX ({type(exc).__name__})") from None
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows():
            cells = []
            for cell in row:
                if getattr(cell, "data_type", None) == "f":
                    raise InvalidInput(
                        f"{name}: cell {cell.coordinate} holds a formula; save the sheet as values"
                    )
                cells.append(_cell_text(cell.value))
            if any(c is not None for c in cells):
                yield cells
    finally:
        workbook.close()
