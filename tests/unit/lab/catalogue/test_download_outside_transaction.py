"""Building a T2 copy holds no database writer lock, and a failed build leaves no record."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from lab.catalogue.t2_extracts import extract_downloads
from lab.db.models import ExtractDownload
from lab.errors import PermissionDenied
from lab.services import LabServices
from tests.unit.lab.catalogue.conditional import approved_application, publish_conditional
from tests.unit.lab.catalogue.test_tracing import _issue

WRITER_PATIENCE_S = 5.0


def test_another_writer_commits_while_the_copy_is_built(
    sqlite_lab: LabServices, tmp_path, monkeypatch
) -> None:
    """While DuckDB sorts the copy, an audit append from another thread commits promptly."""
    publish_conditional(sqlite_lab, tmp_path, "annual-bands")
    application_id = approved_application(sqlite_lab, "annual-bands", "alice")
    build = extract_downloads._numbered_csv
    writes: list[str] = []

    def build_while_someone_writes(*args, **kwargs):
        writer = threading.Thread(
            target=lambda: writes.append(
                str(sqlite_lab.audit.append(actor="t", action="test.write", target="x").seq)
            )
        )
        writer.start()
        writer.join(WRITER_PATIENCE_S)
        assert not writer.is_alive(), "the download held the database's writer lock"
        return build(*args, **kwargs)

    monkeypatch.setattr(extract_downloads, "_numbered_csv", build_while_someone_writes)
    copy = _issue(sqlite_lab, application_id, "alice", tmp_path)
    assert len(writes) == 1 and copy.path.exists()
    with sqlite_lab.sessions() as session:
        record = session.get(ExtractDownload, copy.download_id)
        assert record.rows == 200 and len(record.sha256) == 64


def test_a_failed_build_leaves_neither_record_nor_file(
    sqlite_lab: LabServices, tmp_path, monkeypatch
) -> None:
    """If the build breaks, the pending record is removed and no ZIP stays behind."""
    publish_conditional(sqlite_lab, tmp_path, "annual-bands")
    application_id = approved_application(sqlite_lab, "annual-bands", "alice")

    def broken(*args, **kwargs):
        raise PermissionDenied("simulated failure mid-build")

    monkeypatch.setattr(extract_downloads, "_numbered_csv", broken)
    with pytest.raises(PermissionDenied):
        _issue(sqlite_lab, application_id, "alice", tmp_path)
    with sqlite_lab.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ExtractDownload)) == 0
    assert not list(tmp_path.glob("extract-*.zip"))
