"""Open downloads: formats, Range, ETag, checksums, RFC 5987 names, BOM, defused formulas."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tracemalloc
from urllib.parse import unquote

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from lab.app import create_app
from lab.db import transaction
from lab.db.models import Dataset, DatasetVersion
from lab.http.downloads import content_disposition
from lab.services import LabServices
from opendata.portal.catalogue import get_public
from opendata.portal.downloads import ensure_file, stream
from opendata.portal.usage import usage_for
from tests.unit.lab.catalogue.conditional import publish_conditional
from tests.unit.opendata.seed import add_dataset, publish_table, write_csv

ROWS = [
    ["市南区", "35", "=1+2"],
    ["市北区", "72.5", "@SUM(A1)"],
    ["李沧区", "-4", "良"],
    ["崂山区", "", "+cmd|' /C calc'!A0"],
] * 30


@pytest.fixture
def client(sqlite_lab: LabServices, tmp_path):
    path = write_csv(tmp_path / "air.csv", ["区", "指数", "备注"], ROWS)
    publish_table(sqlite_lab, path, "air-quality", title="空气质量指数", topic="生态环境")
    with TestClient(create_app(sqlite_lab)) as test_client:
        yield test_client


def _get(client: TestClient, fmt: str, **headers: str):
    return client.get(f"/datasets/air-quality/download/{fmt}", headers=headers)


def test_csv_bytes_checksum_and_chinese_file_name(client: TestClient) -> None:
    """The CSV's SHA-256 equals its ETag and digest headers; the name is RFC 5987 Chinese."""
    response = _get(client, "csv")
    assert response.status_code == 200
    body = response.content
    digest = hashlib.sha256(body).hexdigest()
    assert response.headers["etag"] == f'"{digest}"'
    assert response.headers["x-checksum-sha256"] == digest
    assert response.headers["content-type"].startswith("text/csv")
    disposition = response.headers["content-disposition"]
    assert "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "空气质量指数-v1.csv"
    assert 'filename="air-quality-v1.csv"' in disposition
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0] == ["区", "指数", "备注"] and len(rows) == 121
    assert rows[1] == ["市南区", "35", "'=1+2"] and rows[2][1] == "72.5"
    assert rows[3] == ["李沧区", "-4", "良"] and rows[4][2].startswith("'+cmd")


def test_bom_option_prefixes_the_csv_and_changes_its_checksum(client: TestClient) -> None:
    """?bom=1 sends the same bytes after a UTF-8 BOM, with that file's own checksum."""
    plain = _get(client, "csv").content
    with_bom = client.get("/datasets/air-quality/download/csv?bom=1")
    assert with_bom.content == b"\xef\xbb\xbf" + plain
    assert with_bom.headers["etag"] == f'"{hashlib.sha256(with_bom.content).hexdigest()}"'
    part = client.get("/datasets/air-quality/download/csv?bom=1", headers={"Range": "bytes=1-9"})
    assert part.status_code == 206 and part.content == with_bom.content[1:10]


def test_range_requests_and_416(client: TestClient) -> None:
    """A byte range gives 206 with Content-Range; a suffix range works; past the end is 416."""
    whole = _get(client, "csv").content
    part = _get(client, "csv", Range="bytes=10-19")
    assert part.status_code == 206 and part.content == whole[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(whole)}"
    tail = _get(client, "csv", Range="bytes=-5")
    assert tail.content == whole[-5:]
    beyond = _get(client, "csv", Range=f"bytes={len(whole)}-")
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(whole)}"


def test_etag_revalidation_and_if_range(client: TestClient) -> None:
    """If-None-Match with the ETag is 304; an If-Range with a stale tag sends the whole file."""
    first = _get(client, "csv")
    etag = first.headers["etag"]
    assert _get(client, "csv", **{"If-None-Match": etag}).status_code == 304
    stale = _get(client, "csv", Range="bytes=0-3", **{"If-Range": '"old"'})
    assert stale.status_code == 200 and stale.content == first.content
    fresh = _get(client, "csv", Range="bytes=0-3", **{"If-Range": etag})
    assert fresh.status_code == 206 and fresh.content == first.content[:4]


def test_every_format_holds_the_same_table(client: TestClient, tmp_path) -> None:
    """XLSX (defused, text cells), JSON (exact values) and Parquet carry the same rows."""
    workbook = tmp_path / "air.xlsx"
    workbook.write_bytes(_get(client, "xlsx").content)
    book = load_workbook(workbook, read_only=True)
    sheet_rows = list(book.active.iter_rows(values_only=True))
    book.close()
    assert sheet_rows[0] == ("区", "指数", "备注") and len(sheet_rows) == 121
    assert sheet_rows[1] == ("市南区", 35, "'=1+2")
    records = json.loads(_get(client, "json").content)
    assert records[0] == {"区": "市南区", "指数": 35, "备注": "=1+2"}
    assert records[3]["指数"] is None and records[1]["指数"] == 72.5
    (tmp_path / "air.parquet").write_bytes(_get(client, "parquet").content)
    assert pq.read_table(tmp_path / "air.parquet").num_rows == 120


def test_downloads_are_counted_live(client: TestClient) -> None:
    """Each full download adds one to the dataset's live figures; a resumed range does not."""
    _get(client, "csv")
    _get(client, "json")
    _get(client, "csv", Range="bytes=5-")
    lab = client.app.state.services
    with lab.sessions() as session:
        usage = usage_for(session, "air-quality")
    assert usage.downloads == 2 and usage.downloads_by_format == {"csv": 1, "json": 1}


def test_unknown_format_restricted_and_conditional_data(client: TestClient, tmp_path) -> None:
    """Unknown format or dataset → 404 in one error shape; T2 → 403 pointing to the application."""
    assert _get(client, "exe").status_code == 404
    missing = client.get("/datasets/no-such/download/csv")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    publish_conditional(client.app.state.services, tmp_path, "annual-bands")
    conditional = client.get("/datasets/annual-bands/download/csv")
    assert conditional.status_code == 403 and "/apply/annual-bands" in conditional.text


def test_content_disposition_ascii_fallback_is_safe() -> None:
    """Quotes and non-ASCII characters never reach the plain filename parameter."""
    header = content_disposition('数据"表.csv', 'a"b\\c.csv')
    assert header.startswith('attachment; filename="a_b_c.csv"')
    assert header.endswith("filename*=UTF-8''%E6%95%B0%E6%8D%AE%22%E8%A1%A8.csv")


def _large_open_dataset(lab: LabServices, tmp_path, rows: int) -> None:
    """A published T1 version whose Parquet object holds ``rows`` generated rows."""
    table = pa.table(
        {
            "编号": pa.array([f"R{i:09d}" for i in range(rows)]),
            "区": pa.array(["市南区", "市北区", "李沧区", "崂山区"] * (rows // 4)),
            "数值": pa.array(np.arange(rows, dtype="float64") * 0.5),
            "备注": pa.array(["一段较长的备注文字，用来让每一行更宽一些"] * rows),
        }
    )
    local = tmp_path / "big.parquet"
    pq.write_table(table, local, row_group_size=50_000)
    dataset_id = add_dataset(lab, "big-table", "大表", columns=("编号", "区", "数值", "备注"))
    publication = lab.store.publication("open/big-table")
    with local.open("rb") as data:
        publication.put("data.parquet", data)
    publication.commit()
    with transaction(lab.sessions) as session:
        version = session.get(Dataset, dataset_id).current_version_id
        stored = session.get(DatasetVersion, version)
        stored.objects, stored.publication = dict(publication.objects), publication.version


def test_building_and_streaming_a_large_file_keeps_memory_bounded(sqlite_lab, tmp_path) -> None:
    """A 300k-row CSV (about 26 MB) is built (by DuckDB, under its memory limit) and streamed
    from the store with a Python heap peak of a few 1 MiB chunks."""
    _large_open_dataset(sqlite_lab, tmp_path, 300_000)
    with sqlite_lab.sessions() as session:
        dataset = get_public(session, "big-table")
    tracemalloc.start()
    try:
        made = ensure_file(sqlite_lab, dataset, "csv")
        sent = sum(len(chunk) for chunk in stream(sqlite_lab, made, True, 0, made.size + 3))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sent == made.size + 3 and made.size > 24 * 1024**2
    assert peak < 4 * 1024**2, f"peak {peak / 1024**2:.1f} MB for {made.size / 1024**2:.1f} MB"


def test_head_answers_headers_without_a_body(client: TestClient) -> None:
    """HEAD gives size, ETag and checksum without sending the file or counting a download."""
    head = client.head("/datasets/air-quality/download/csv")
    full = _get(client, "csv")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(full.content))
    assert head.headers["etag"] == full.headers["etag"]
    with client.app.state.services.sessions() as session:
        assert usage_for(session, "air-quality").downloads == 1
