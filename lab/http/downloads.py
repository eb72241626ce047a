"""Plumbing every download shares: one byte range of a file, and the file name to save as.

``byte_span`` honours one ``Range: bytes=a-b`` (or a suffix ``bytes=-n``); a range past the end
is 416; anything else means "send the whole file", as HTTP allows. ``content_disposition`` names
the saved file for every browser (RFC 6266 and RFC 5987).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import HTTPException

_SINGLE_RANGE = re.compile(r"bytes=(?:(?P<first>\d+)-(?P<last>\d*)|-(?P<suffix>\d+))")


def byte_span(header: str | None, size: int) -> tuple[int, int] | None:
    """The ``[start, end)`` a single-range header asks for; None to send the whole object.

    Raises a 416 HTTPException when the range starts past the object's last byte.
    """
    match = _SINGLE_RANGE.fullmatch((header or "").strip())
    if match is None:
        return None
    if match["suffix"] is not None:
        start, end = size - min(int(match["suffix"]), size), size
    elif match["last"] and int(match["last"]) < int(match["first"]):
        return None
    else:
        start = int(match["first"])
        end = min(int(match["last"]) + 1, size) if match["last"] else size
    if start >= size:
        unsatisfiable = {"Content-Range": f"bytes */{size}"}
        raise HTTPException(416, "the byte range starts past the object's end", unsatisfiable)
    return start, end


def content_disposition(name: str, fallback: str) -> str:
    """RFC 6266/5987: an ASCII ``filename`` and the UTF-8 ``filename*``."""
    ascii_name = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in fallback
    )
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
