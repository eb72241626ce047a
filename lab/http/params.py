"""Parameters every route and page shares: a database id (a positive 64-bit integer), an
uploaded file's name, an optional data dictionary sidecar, and a posted form read once.

An id outside the database's signed 64-bit range would reach the driver and fail there
(``OverflowError``, a 500); declared here once, it is a 422 in the one error shape instead. A
test walks the route table to check every integer path parameter uses ``IdPath``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request, UploadFile
from starlette.datastructures import FormData

from lab.catalogue.dictionary import MAX_SIDECAR_BYTES, DataDictionary, parse_sidecar
from lab.errors import InvalidInput

DB_INT_MAX = 2**63 - 1
"""The largest integer the lab's databases store (SQLite INTEGER, PostgreSQL BIGINT)."""

IdPath = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="A database id (1 … 2⁶³−1).")]


def upload_name(upload: UploadFile) -> str:
    """The uploaded file's name (its extension says how to read it)."""
    if not upload.filename:
        raise InvalidInput("the upload needs a file name with its extension (e.g. data.csv)")
    return upload.filename


def sidecar_dictionary(upload: UploadFile | None) -> DataDictionary | None:
    """The data dictionary in an uploaded CSV/JSON sidecar; None when no file was chosen."""
    if upload is None or not upload.filename:
        return None
    return parse_sidecar(upload.file.read(MAX_SIDECAR_BYTES + 1), upload.filename)


async def submitted_form(request: Request) -> FormData:
    """The posted form, read once so that synchronous routes can take it as a value."""
    return await request.form()


SubmittedFormDep = Annotated[FormData, Depends(submitted_form)]
