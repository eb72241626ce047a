"""``GET /datasets/{slug}/download/{fmt}``: an open dataset's file, with Range, ETag, checksums.

* ``ETag`` is the SHA-256 of the bytes sent (strong); ``If-None-Match`` answers 304 and
  ``If-Range`` falls back to the whole file when the file changed.
* One ``Range: bytes=…`` is honoured (206), one past the end is 416.
* ``Repr-Digest`` (RFC 9530) and ``X-Checksum-SHA256`` carry the checksum of the whole file.
* ``Content-Disposition`` names the file by its Chinese title (RFC 5987 ``filename*``), with an
  ASCII ``filename`` for old clients.
* ``?bom=1`` sends the CSV with a UTF-8 byte-order mark, which Excel needs to read Chinese.

A download is counted once per request that starts at byte 0 (resumed ranges are not counted).
Conditional (T2) datasets have no open download: 403 tells the visitor to apply.
"""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import StreamingResponse

from lab.db import transaction
from lab.errors import PermissionDenied
from lab.http.deps import ServicesDep
from lab.http.downloads import byte_span, content_disposition
from lab.services import LabServices
from opendata.portal.catalogue import PublicDataset, get_public
from opendata.portal.downloads import (
    MEDIA_TYPES,
    FormatFile,
    check_format,
    ensure_file,
    file_name,
    stream,
)
from opendata.portal.usage import record_download

router = APIRouter(tags=["portal downloads"])


def _open_dataset(lab: LabServices, slug: str) -> PublicDataset:
    with lab.sessions() as session:
        dataset = get_public(session, slug)
    if not dataset.is_open:
        raise PermissionDenied(
            f"{slug!r} is conditional data (有条件开放): apply at /apply/{slug} to download it"
        )
    return dataset


def _headers(dataset: PublicDataset, made: FormatFile, bom: bool) -> dict[str, str]:
    size, sha256 = made.variant(bom)
    name = file_name(dataset, made.fmt)
    fallback = f"{dataset.slug}-v{dataset.version}.{made.fmt}"
    digest = base64.b64encode(bytes.fromhex(sha256)).decode()
    return {
        "ETag": f'"{sha256}"',
        "Accept-Ranges": "bytes",
        "Content-Disposition": content_disposition(name, fallback),
        "Repr-Digest": f"sha-256=:{digest}:",
        "X-Checksum-SHA256": sha256,
        "Cache-Control": "public, max-age=300",
        "Content-Length": str(size),
    }


@router.head("/datasets/{slug}/download/{fmt}", include_in_schema=False)
@router.get("/datasets/{slug}/download/{fmt}")
def download(
    request: Request,
    slug: str,
    fmt: str,
    services: ServicesDep,
    bom: bool = False,
    range_header: Annotated[str | None, Header(alias="range")] = None,
    if_none_match: Annotated[str | None, Header()] = None,
    if_range: Annotated[str | None, Header()] = None,
) -> Response:
    """Stream the dataset's file in ``fmt`` (csv, xlsx, json, parquet)."""
    check_format(fmt)
    dataset = _open_dataset(services, slug)
    made = ensure_file(services, dataset, fmt)
    headers = _headers(dataset, made, bom)
    size = int(headers["Content-Length"])
    if if_none_match and headers["ETag"] in _tags(if_none_match):
        return Response(status_code=304, headers={"ETag": headers["ETag"]})
    if if_range and if_range.strip() != headers["ETag"]:
        range_header = None
    span = byte_span(range_header, size)
    start, end, status = (0, size, 200) if span is None else (*span, 206)
    if status == 206:
        headers["Content-Length"] = str(end - start)
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=MEDIA_TYPES[fmt])
    if start == 0:
        with transaction(services.sessions) as session:
            record_download(session, slug, fmt)
    body = stream(services, made, bom, start, end)
    return StreamingResponse(body, status, headers, media_type=MEDIA_TYPES[fmt])


def _tags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}
