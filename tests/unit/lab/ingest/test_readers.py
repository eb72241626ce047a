"""Reading uploads: every format as text, and each kind of bad input refused clearly."""

from __future__ import annotations

import json
import zipfile

import pandas as pd
import pytest
from openpyxl import Workbook

from lab.errors import InvalidInput
from lab.ingest.readers import read_frames
from lab.ingest.sources import describe, safe_file_name

ROWS = "姓名,手机号,身份证号\n张三,13812345678,370202199001011234\n李四,,370202198512123456\n"


def _read(path, name=None) -> pd.DataFrame:
    """The whole table, missing cells as None whatever the reader's null marker."""
    frame = pd.concat(list(read_frames(describe(path, name or path.name), chunk_rows=1)))
    return frame.astype(object).where(frame.notna(), None)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_read_as_text(tmp_path, encoding) -> None:
    """UTF-8, UTF-8 with BOM and GBK/GB18030 CSVs read the same, identifiers intact as text."""
    path = tmp_path / "people.csv"
    path.write_bytes(ROWS.encode(encoding))
    frame = _read(path)
    assert list(frame.columns) == ["姓名", "手机号", "身份证号"]
    assert frame["手机号"].tolist() == ["13812345678", None]
    assert frame["身份证号"].tolist() == ["370202199001011234", "370202198512123456"]


def test_xlsx_json_parquet_read_as_text(tmp_path) -> None:
    """XLSX, JSON array, JSON Lines and Parquet give the same text table."""
    expected = {"名称": ["甲", "乙"], "代码": ["91370202MA3C4F6Y23", None]}
    book = Workbook()
    book.active.append(["名称", "代码"])
    book.active.append(["甲", "91370202MA3C4F6Y23"])
    book.active.append(["乙", None])
    book.save(tmp_path / "t.xlsx")
    records = [{"名称": "甲", "代码": "91370202MA3C4F6Y23"}, {"名称": "乙", "代码": None}]
    (tmp_path / "t.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "t.jsonl").write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    pd.DataFrame(expected, dtype=object).to_parquet(tmp_path / "t.parquet")
    for name in ("t.xlsx", "t.json", "t.jsonl", "t.parquet"):
        frame = _read(tmp_path / name).reset_index(drop=True)
        assert frame.to_dict("list") == expected, name


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"a,,c\n1,2,3\n", "column 2 has an empty header"),
        (b"a,b,a\n1,2,3\n", "appears more than once"),
        (b"a,b,c\n1,2,3\n4,5\n", "line 3 has 2 fields, the header has 3"),
        ("名称,值\n甲,1\n".encode() + "乙,2\n".encode("gbk") * 3, "mixes encodings"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary, not CSV"),
    ],
)
def test_bad_csv_refused_clearly(tmp_path, content, message) -> None:
    """Empty files, bad headers, ragged rows and mixed encodings each get a precise message."""
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=message):
        _read(path)


def test_header_only_file_has_no_rows(tmp_path) -> None:
    """A header with no data rows yields nothing (the pipeline refuses it)."""
    path = tmp_path / "h.csv"
    path.write_text("a,b\n")
    assert list(read_frames(describe(path, "h.csv"))) == []


@pytest.mark.parametrize("name", ["../etc/passwd.csv", "a/b.csv", "..", "x\x00.csv", "c:\\x.csv"])
def test_path_traversal_names_refused(name) -> None:
    """File names with folders, '..' or control characters are refused, not rewritten."""
    with pytest.raises(InvalidInput, match="plain name"):
        safe_file_name(name)


def test_unsupported_and_disguised_formats(tmp_path) -> None:
    """Unknown extensions and files whose bytes contradict their extension are refused."""
    (tmp_path / "x.docx").write_bytes(b"PK\x03\x04....")
    with pytest.raises(InvalidInput, match="unsupported format"):
        describe(tmp_path / "x.docx", "x.docx")
    (tmp_path / "x.parquet").write_text("a,b\n1,2\n")
    with pytest.raises(InvalidInput, match="does not look like a parquet"):
        describe(tmp_path / "x.parquet", "x.parquet")


def test_xlsx_formula_cells_refused(tmp_path) -> None:
    """A workbook with a formula cell is refused, naming the cell."""
    book = Workbook()
    book.active.append(["a", "b"])
    book.active.append([1, "=SUM(A2:A2)"])
    book.save(tmp_path / "f.xlsx")
    with pytest.raises(InvalidInput, match="cell B2 holds a formula"):
        _read(tmp_path / "f.xlsx")


def test_xlsx_zip_bomb_refused(tmp_path) -> None:
    """An archive member that expands far beyond its compressed size is refused unopened."""
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))
    with pytest.raises(InvalidInput, match="zip bomb"):
        _read(path)


def test_nested_json_refused(tmp_path) -> None:
    """Nested JSON values are refused with the record and field named."""
    path = tmp_path / "n.json"
    path.write_text('[{"a": 1}, {"a": {"deep": 2}}]')
    with pytest.raises(InvalidInput, match="record 2 field 'a' is nested"):
        _read(path)
