"""The audit chain: appends link up, every kind of tampering is found and located."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from sqlalchemy import delete, text, update

from lab.audit import AuditLog, parse_anchor
from lab.db.models import AuditEntry
from lab.errors import InvalidInput
from lab.services import LabServices


def _fill(log: AuditLog, n: int) -> None:
    for i in range(n):
        log.append(
            actor="steward",
            action="dataset.publish",
            target=f"dataset:{i}",
            details={"version": i, "说明": "发布"},
        )


def test_fresh_chain_verifies(lab: LabServices) -> None:
    """Ten appended entries verify, and the head names the last one."""
    _fill(lab.audit, 10)
    report = lab.audit.verify()
    assert report.ok and report.entries == 10 and report.head_seq == 10


def test_edit_is_located(lab: LabServices) -> None:
    """Changing one entry's details is reported at that entry."""
    _fill(lab.audit, 8)
    with lab.engine.begin() as conn:
        conn.execute(update(AuditEntry).where(AuditEntry.seq == 5).values(details='{"version":99}'))
    report = lab.audit.verify()
    assert report.problem is not None and report.problem.seq == 5
    assert "edited" in report.problem.reason


def test_delete_is_located(lab: LabServices) -> None:
    """Removing an entry from the middle is reported where it went missing."""
    _fill(lab.audit, 8)
    with lab.engine.begin() as conn:
        conn.execute(delete(AuditEntry).where(AuditEntry.seq == 4))
    report = lab.audit.verify()
    assert report.problem is not None and report.problem.seq == 4
    assert "missing" in report.problem.reason


def test_delete_and_renumber_is_located(lab: LabServices) -> None:
    """Deleting an entry and closing the gap still breaks the link at that place."""
    _fill(lab.audit, 6)
    with lab.engine.begin() as conn:
        conn.execute(delete(AuditEntry).where(AuditEntry.seq == 3))
        for seq in (4, 5, 6):
            conn.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(seq=seq - 1))
    report = lab.audit.verify()
    assert report.problem is not None and report.problem.seq == 3


def test_insert_is_located(lab: LabServices) -> None:
    """A forged entry slipped in (with a self-consistent hash) breaks the next link."""
    _fill(lab.audit, 5)
    forged = lab.audit.records()[2]
    with lab.engine.begin() as conn:
        for seq in (5, 4):
            conn.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(seq=seq + 1))
        conn.execute(
            AuditEntry.__table__.insert().values(
                seq=4,
                at=forged.at,
                actor="intruder",
                action="budget.raise",
                target="x",
                details="{}",
                prev_hash=forged.entry_hash,
                entry_hash=forged.entry_hash,
            )
        )
    report = lab.audit.verify()
    assert report.problem is not None and report.problem.seq in (4, 5)


def test_reorder_is_located(lab: LabServices) -> None:
    """Swapping two entries' positions is reported at the first swapped one."""
    _fill(lab.audit, 6)
    with lab.engine.begin() as conn:
        conn.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(seq=-3))
        conn.execute(update(AuditEntry).where(AuditEntry.seq == 4).values(seq=3))
        conn.execute(update(AuditEntry).where(AuditEntry.seq == -3).values(seq=4))
    report = lab.audit.verify()
    assert report.problem is not None and report.problem.seq == 3


def test_truncated_tail_caught_by_anchor(lab: LabServices) -> None:
    """Cutting entries off the end verifies alone but fails against an earlier anchor."""
    _fill(lab.audit, 6)
    head = lab.audit.verify()
    with lab.engine.begin() as conn:
        conn.execute(delete(AuditEntry).where(AuditEntry.seq >= 5))
    assert lab.audit.verify().ok
    report = lab.audit.verify(anchor=parse_anchor(f"{head.head_seq}:{head.head_hash}"))
    assert report.problem is not None and report.problem.seq == 5


def test_concurrent_appends_keep_one_chain(lab: LabServices) -> None:
    """Eight threads appending at once produce a gap-free chain with every entry present."""
    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        try:
            for i in range(15):
                lab.audit.append(actor=f"w{worker}", action="test.append", target=str(i))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = lab.audit.verify()
    assert report.ok and report.entries == 120
    with lab.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(DISTINCT actor) FROM audit_entries")).scalar() == 8


def test_bad_anchor_and_empty_actor_rejected(lab: LabServices) -> None:
    """Malformed anchors and actor-less entries are refused with a clear error."""
    with pytest.raises(InvalidInput):
        parse_anchor("12:abc")
    with pytest.raises(InvalidInput):
        lab.audit.append(actor="", action="x", target="y")


APPEND_SCRIPT = """
import sys
from lab.audit import AuditLog
from lab.db import make_engine, session_factory
log = AuditLog(session_factory(make_engine(sys.argv[1])))
for i in range(20):
    log.append(actor=sys.argv[2], action="test.append", target=str(i))
"""


def test_concurrent_processes_keep_one_chain(lab: LabServices) -> None:
    """Four processes appending at once (separate connections) leave one verifying chain."""
    url = lab.engine.url.render_as_string(hide_password=False)
    workers = [
        subprocess.Popen([sys.executable, "-c", APPEND_SCRIPT, url, f"p{n}"]) for n in range(4)
    ]
    assert [w.wait(timeout=120) for w in workers] == [0, 0, 0, 0]
    report = lab.audit.verify()
    assert report.ok and report.entries == 80
