"""``GET /objects/{key}``: serve a local object to the holder of a signed, unexpired link.

The links come from ``LocalObjectStore.presigned_get``; S3 serves its own presigned URLs, so
without a URL signer this route answers 404. One ``Range: bytes=a-b`` is honoured (206); a range
past the end is 416; any other Range header is ignored and the whole object sent, as HTTP allows.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import StreamingResponse

from lab.errors import NotFound
from lab.http.downloads import byte_span
from lab.storage import ObjectStore, ObjectUrlSigner

router = APIRouter(tags=["objects"])
_BINARY = "application/octet-stream"


@router.get("/objects/{key:path}")
def download_object(
    request: Request,
    key: str,
    expires: int,
    signature: str,
    range_header: Annotated[str | None, Header(alias="range")] = None,
) -> StreamingResponse:
    """Stream the object (or the one byte range asked for) if the link's signature holds."""
    signer: ObjectUrlSigner | None = request.app.state.url_signer
    if signer is None:
        raise NotFound("signed object links are not served by this lab")
    signer.verify(key, expires, signature)
    store: ObjectStore = request.app.state.object_store
    info = store.stat(key)
    span = byte_span(range_header, info.size)
    headers = {"ETag": f'"{info.etag}"', "Accept-Ranges": "bytes", "Cache-Control": "no-store"}
    if span is None:
        headers["Content-Length"] = str(info.size)
        return StreamingResponse(store.get(key), 200, headers, media_type=_BINARY)
    start, end = span
    headers["Content-Length"] = str(end - start)
    headers["Content-Range"] = f"bytes {start}-{end - 1}/{info.size}"
    return StreamingResponse(store.get(key, start=start, end=end), 206, headers, media_type=_BINARY)
