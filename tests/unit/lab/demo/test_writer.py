"""File formats: encodings and line ends as declared, reproducible XLSX bytes, text identifiers."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from lab.demo.manifest import DemoManifest, demo_table
from lab.demo.writer import write_table

ABOUT = {
    "title": "测试",
    "title_en": "Test",
    "description": "测试数据",
    "department": "青岛市大数据发展管理局",
    "topic": "测试",
    "tags": ("测试",),
    "update_frequency": "irregular",
    "intended_tier": "T1",
}
FRAME = pd.DataFrame(
    {"代码": ["0012", "37020219900307123X"], "金额（元）": [1, 2], "名称": ["市南区", "崂山区"]}
)


def _write(tmp_path: Path, file_format: str, encoding: str | None) -> Path:
    """Write ``FRAME`` in one format and return the path."""
    table = demo_table(
        FRAME,
        file_format=file_format,
        encoding=encoding,
        identifier_columns=("代码",),
        id=f"t-{file_format}-{encoding or 'binary'}",
        **ABOUT,
    )
    return write_table(table, tmp_path)


def test_gbk_csv_is_gbk_with_crlf(tmp_path: Path) -> None:
    """The GBK file decodes as GBK (not UTF-8) and ends lines with CRLF."""
    raw = _write(tmp_path, "csv", "gbk").read_bytes()
    assert "市南区".encode("gbk") in raw and b"\r\n" in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


def test_bom_csv_starts_with_the_byte_order_mark(tmp_path: Path) -> None:
    """UTF-8-with-BOM output starts with EF BB BF; plain UTF-8 does not."""
    assert _write(tmp_path, "csv", "utf-8-sig").read_bytes().startswith(b"\xef\xbb\xbf")
    assert not _write(tmp_path, "csv", "utf-8").read_bytes().startswith(b"\xef\xbb\xbf")


def test_identifiers_keep_leading_zeros_and_x(tmp_path: Path) -> None:
    """Identifier text survives each typed format unchanged."""
    for file_format in ("xlsx", "parquet"):
        path = _write(tmp_path, file_format, None)
        frame = pd.read_excel(path) if file_format == "xlsx" else pd.read_parquet(path)
        assert frame["代码"].tolist() == ["0012", "37020219900307123X"], file_format


def test_xlsx_bytes_do_not_depend_on_the_clock(tmp_path: Path) -> None:
    """Two writes of the same table give the same bytes: zip and document times are pinned."""
    first = _write(tmp_path, "xlsx", None).read_bytes()
    second_dir = tmp_path / "again"
    second_dir.mkdir()
    assert _write(second_dir, "xlsx", None).read_bytes() == first
    with zipfile.ZipFile(tmp_path / "t-xlsx-binary.xlsx") as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 1, 1, 0, 0, 0)}


def test_demo_gbk_file_reads_back_with_pandas(demo_dir: Path, manifest: DemoManifest) -> None:
    """The generated GBK publication reads in pandas with encoding='gbk'."""
    (dataset,) = [d for d in manifest.datasets if d.encoding == "gbk"]
    frame = pd.read_csv(demo_dir / dataset.file_name, encoding="gbk", dtype=str)
    assert len(frame) == dataset.row_count
