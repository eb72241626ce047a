"""Fingerprinted T2 copies: signed manifest, keyed record numbers and order, leak tracing."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook
from sqlalchemy import select

from lab.catalogue.portal_workflow.applications import reject, submit_application
from lab.catalogue.t2_extracts.extract_downloads import issue_download
from lab.catalogue.t2_extracts.fingerprint import RECORD_ID_COLUMN
from lab.catalogue.t2_extracts.manifests import MANIFEST_NAME, SIGNATURE_NAME
from lab.catalogue.t2_extracts.tracing import trace_file
from lab.catalogue.versions.datasets import current_version
from lab.db import transaction
from lab.db.models import Dataset
from lab.errors import IntegrityError, NotFound, PermissionDenied
from lab.identity.accounts import get_user
from lab.services import LabServices, open_services
from lab.settings import LabSettings
from tests.unit.lab.catalogue.conditional import (
    HEADERS,
    add_applicant,
    approved_application,
    complete_form,
    full_pledge,
    publish_conditional,
)
from tests.unit.lab.cli.test_cli import datalab


@pytest.fixture
def two_copies(sqlite_lab: LabServices, tmp_path) -> tuple[LabServices, list]:
    """Two approved applicants, each with one downloaded copy of the same extract."""
    publish_conditional(sqlite_lab, tmp_path, "annual-bands")
    copies = []
    for name in ("alice", "bob"):
        application_id = approved_application(sqlite_lab, "annual-bands", name)
        copies.append(_issue(sqlite_lab, application_id, name, tmp_path))
    return sqlite_lab, copies


def _issue(lab: LabServices, application_id: int, username: str, tmp_path: Path):
    with lab.sessions() as session:
        applicant_id = get_user(session, username).id
    return issue_download(
        lab, application_id=application_id, applicant_id=applicant_id, work_dir=tmp_path
    )


def _table(copy) -> tuple[list[str], list[list[str]]]:
    with zipfile.ZipFile(copy.path) as archive:
        data = next(n for n in archive.namelist() if n.endswith(".csv"))
        text = archive.read(data).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def _leak(headers, rows, path: Path, *, keep: float, drop_ids: bool, seed: int) -> Path:
    """Remove rows at random, reorder columns, optionally drop the record numbers."""
    chance = random.Random(seed)
    kept = [row for row in rows if chance.random() < keep]
    order = list(range(len(headers)))
    chance.shuffle(order)
    if drop_ids:
        order.remove(headers.index(RECORD_ID_COLUMN))
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([headers[i] for i in order])
        writer.writerows([[row[i] for i in order] for row in kept])
    return path


def test_each_copy_holds_the_data_its_numbers_and_a_signed_manifest(two_copies) -> None:
    """Both copies hold the same rows (no value changed); numbers and order differ per copy."""
    lab, (alice, bob) = two_copies
    headers_a, rows_a = _table(alice)
    headers_b, rows_b = _table(bob)
    assert headers_a == headers_b == [RECORD_ID_COLUMN, *HEADERS]
    assert sorted(r[1:] for r in rows_a) == sorted(r[1:] for r in rows_b)
    assert len(rows_a) == 200
    assert [r[0] for r in rows_a] == sorted(r[0] for r in rows_a)
    assert {r[0] for r in rows_a}.isdisjoint({r[0] for r in rows_b})
    assert [r[1:] for r in rows_a] != [r[1:] for r in rows_b]
    assert any(cell.startswith("'=HYPERLINK") for row in rows_a for cell in row)
    with zipfile.ZipFile(alice.path) as archive:
        assert {MANIFEST_NAME, SIGNATURE_NAME} <= set(archive.namelist())
    actions = [r.action for r in lab.audit.records()]
    assert actions.count("extract.download") == 2


def test_copy_holds_exactly_the_published_extract_and_leaves_no_scratch(two_copies, tmp_path):
    """Every value of the published extract arrives unchanged (formula cells only prefixed with
    an apostrophe); the manifest's checksum is the data file's; only the ZIPs remain."""
    lab, (alice, _bob) = two_copies
    with lab.sessions() as session:
        dataset = session.scalar(select(Dataset).where(Dataset.slug == "annual-bands"))
        version = current_version(session, dataset)
    published = pq.read_table(io.BytesIO(b"".join(lab.store.get(version.objects["data.parquet"]))))
    expected = sorted(
        tuple("" if v is None else str(v) for v in row)
        for row in zip(*(c.to_pylist() for c in published.columns), strict=True)
    )
    headers, rows = _table(alice)
    undone = sorted(tuple(v[1:] if v.startswith("'=") else v for v in r[1:]) for r in rows)
    assert headers[1:] == published.column_names and undone == expected
    with zipfile.ZipFile(alice.path) as archive:
        manifest = json.loads(archive.read(MANIFEST_NAME))
        data = archive.read(manifest["data_file"])
    assert data.startswith("\ufeff".encode()) and manifest["rows"] == len(rows)
    assert hashlib.sha256(data).hexdigest() == manifest["sha256"]
    assert sorted(p.suffix for p in tmp_path.glob("extract-*")) == [".zip", ".zip"]
    assert not [p for p in tmp_path.iterdir() if p.is_dir() and p.name.startswith("tmp")]


def test_leaked_csv_with_rows_removed_and_columns_reordered_is_traced(two_copies, tmp_path):
    """A third of Bob's rows, columns shuffled, is traced to Bob's download and not Alice's."""
    lab, (_alice, bob) = two_copies
    headers, rows = _table(bob)
    leaked = _leak(headers, rows, tmp_path / "leak.csv", keep=0.3, drop_ids=False, seed=1)
    result = trace_file(lab, leaked)
    assert result.traced is not None and result.traced.download_id == bob.download_id
    assert result.traced.recipient == "bob" and not result.manifest_verified
    assert result.evidence.id_matches == result.evidence.rows


def test_leak_without_record_numbers_is_traced_by_row_order(two_copies, tmp_path) -> None:
    """Deleting the number column too still names the copy, by the keyed row order."""
    lab, (alice, _bob) = two_copies
    headers, rows = _table(alice)
    leaked = _leak(headers, rows, tmp_path / "leak.csv", keep=0.2, drop_ids=True, seed=2)
    result = trace_file(lab, leaked)
    assert result.traced is not None and result.traced.recipient == "alice"
    assert result.evidence.by_row_order and result.evidence.id_matches == 0


def test_leaked_rows_resaved_as_xlsx_are_traced(two_copies, tmp_path) -> None:
    """The same leak re-saved from a spreadsheet (XLSX) is traced as well."""
    lab, (_alice, bob) = two_copies
    headers, rows = _table(bob)
    book = Workbook()
    sheet = book.active
    sheet.append(list(reversed(headers)))
    for row in rows[::3]:
        sheet.append(list(reversed(row)))
    book.save(tmp_path / "leak.xlsx")
    result = trace_file(lab, tmp_path / "leak.xlsx")
    assert result.traced is not None and result.traced.recipient == "bob"


def test_untouched_download_is_traced_by_its_manifest(two_copies) -> None:
    """The ZIP names its record through the verified manifest."""
    lab, (alice, _bob) = two_copies
    result = trace_file(lab, alice.path)
    assert result.manifest_verified and result.traced.download_id == alice.download_id


def test_forged_manifest_is_refused(two_copies, tmp_path) -> None:
    """A manifest edited to name someone else no longer verifies."""
    lab, (alice, _bob) = two_copies
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(alice.path) as source, zipfile.ZipFile(forged, "w") as target:
        for name in source.namelist():
            body = source.read(name)
            if name == MANIFEST_NAME:
                assert b'"recipient":"alice"' in body
                body = body.replace(b'"recipient":"alice"', b'"recipient":"bob"')
            target.writestr(name, body)
    with pytest.raises(IntegrityError):
        trace_file(lab, forged)


def test_unrelated_table_is_not_traced(two_copies, tmp_path) -> None:
    """A table that came from no download names nobody."""
    lab, _copies = two_copies
    path = tmp_path / "other.csv"
    path.write_text("a,b\n" + "".join(f"{i},{i * 7 % 13}\n" for i in range(50)))
    assert trace_file(lab, path).traced is None


def test_downloads_need_the_applicants_own_approved_application(two_copies, tmp_path) -> None:
    """Another user's application is NotFound; an unapproved one is refused."""
    lab, _copies = two_copies
    with pytest.raises(NotFound):
        issue_download(lab, application_id=1, applicant_id=999, work_dir=tmp_path)
    add_applicant(lab, "carol")
    with pytest.raises(NotFound):
        issue_download(lab, application_id=99, applicant_id=1, work_dir=tmp_path)
    with transaction(lab.sessions) as session:
        carol = get_user(session, "carol")
        pending = submit_application(
            session,
            lab.audit,
            slug="annual-bands",
            applicant=carol,
            form=complete_form(),
            pledge=full_pledge(),
        )
        pending_id, carol_id = pending.id, carol.id
    with pytest.raises(PermissionDenied):
        issue_download(lab, application_id=pending_id, applicant_id=carol_id, work_dir=tmp_path)
    with transaction(lab.sessions) as session:
        reject(
            session,
            lab.audit,
            application_id=pending_id,
            reasons="数据用途说明不充分。",
            actor="steward",
        )


@pytest.mark.slow  # runs `datalab` in subprocesses: over 15 s each on the shared CI machine
def test_trace_command_names_the_download(tmp_path) -> None:
    """`datalab trace FILE` prints the record and recipient; exit 1 for an unknown file."""
    home = tmp_path / "home"
    lab = open_services(LabSettings(home=home))
    try:
        publish_conditional(lab, tmp_path, "annual-bands")
        application_id = approved_application(lab, "annual-bands", "alice")
        copy = _issue(lab, application_id, "alice", tmp_path)
        headers, rows = _table(copy)
    finally:
        lab.close()
    leaked = _leak(headers, rows, tmp_path / "leak.csv", keep=0.5, drop_ids=False, seed=3)
    result = datalab(home, "trace", str(leaked))
    assert result.returncode == 0, result.stderr
    assert f"download #{copy.download_id}" in result.stdout and "alice" in result.stdout
    stranger = tmp_path / "stranger.csv"
    stranger.write_text("x\n1\n")
    assert datalab(home, "trace", str(stranger)).returncode == 1
