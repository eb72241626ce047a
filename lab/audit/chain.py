"""The hash-chained, append-only audit log: appending entries and verifying the chain.

Entry ``n`` stores ``entry_hash = SHA-256(canonical JSON of seq, at, actor, action, target,
details, prev_hash)`` where ``prev_hash`` is entry ``n-1``'s hash (64 zeros for the first). So:
an edited entry no longer matches its own hash; a deleted one leaves a gap in ``seq`` and a
``prev_hash`` that points at nothing; an inserted or reordered one breaks the next ``prev_hash``.
Removing entries from the *end*, or rewriting the chain with fresh hashes, leaves a chain that
verifies on its own: ``lab.audit.checkpoints`` anchors the head outside the database with signed,
write-once checkpoints (an auditor may also pass a head ``seq:hash`` printed earlier as an
anchor). Listeners registered with ``on_commit`` hear the head's ``seq`` after each transaction
that appended an entry commits (the checkpoint writer's cheap "is one due?" check).

Concurrent writers (threads, processes, SQLite or PostgreSQL) each read the head and insert
``seq + 1``; ``seq`` is the primary key, so a writer that lost the race gets a unique-key error,
rolls back and retries on the new head.
(A PostgreSQL advisory lock around the head was tried and measured worse: its holder keeps it
while its Python thread waits for the GIL, and every other appender queues behind that.)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, event, insert, select
from sqlalchemy.orm import Session, sessionmaker

from lab.clock import now
from lab.db.models import AuditEntry, table_of
from lab.db.retry import RetryPolicy, retry_write
from lab.errors import InvalidInput

GENESIS_HASH = "0" * 64
_APPEND_RETRY = RetryPolicy(attempts=200, step=0.001)


@dataclass(frozen=True)
class AuditRecord:
    """One audit entry as written and verified."""

    seq: int
    at: str
    actor: str
    action: str
    target: str
    details: str
    prev_hash: str
    entry_hash: str


@dataclass(frozen=True)
class ChainProblem:
    """The first place the chain stops verifying, and why."""

    seq: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    """Outcome of a verification: entries checked, the head, and the first problem if any."""

    entries: int
    head_seq: int
    head_hash: str
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def canonical_details(details: Mapping[str, Any] | None) -> str:
    """Details as canonical JSON (sorted keys, no spaces) so the hash is reproducible."""
    return json.dumps(
        dict(details or {}), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def entry_hash(
    *, seq: int, at: str, actor: str, action: str, target: str, details: str, prev_hash: str
) -> str:
    """The SHA-256 (hex) chaining one entry to the one before it."""
    body = [seq, at, actor, action, target, details, prev_hash]
    encoded = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


class AuditLog:
    """Appends to and verifies the chain stored in the ``audit_entries`` table."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._listeners: list[Callable[[int], None]] = []
        event.listen(sessions, "after_commit", self._committed)
        event.listen(sessions, "after_transaction_end", self._ended)

    def on_commit(self, listener: Callable[[int], None]) -> None:
        """Call ``listener(seq)`` after each commit that appended entries (``seq``: the last)."""
        self._listeners.append(listener)

    def _committed(self, session: Session) -> None:
        seq = session.info.pop(_APPENDED, None)
        if seq is not None:
            session.info[_COMMITTED] = seq

    def _ended(self, session: Session, transaction) -> None:
        """Listeners run once the transaction has given its connection back, so one that reads
        the database never holds two pooled connections at once."""
        if transaction.parent is not None:
            return
        seq = session.info.pop(_COMMITTED, None)
        if seq is not None:
            for listener in self._listeners:
                listener(seq)

    def head(self) -> tuple[int, str]:
        """The committed head's ``seq`` and hash (``0`` and the genesis hash when empty)."""
        with self._sessions() as session:
            row = session.execute(_HEAD).first()
        return (row.seq, row.entry_hash) if row else (0, GENESIS_HASH)

    def hash_at(self, seq: int) -> str | None:
        """The stored hash of entry ``seq`` (None if there is no such entry)."""
        with self._sessions() as session:
            return session.scalar(select(AuditEntry.entry_hash).where(AuditEntry.seq == seq))

    def append(
        self, *, actor: str, action: str, target: str, details: Mapping[str, Any] | None = None
    ) -> AuditRecord:
        """Add one entry at the head of the chain, retrying if another writer got there first."""
        if not actor or not action:
            raise InvalidInput("an audit entry needs an actor and an action")
        body = canonical_details(details)
        return retry_write(
            lambda: self._try_append(actor, action, target, body),
            _APPEND_RETRY,
            gave_up="audit append kept losing the race for the chain head",
        )

    def append_in(
        self,
        session: Session,
        *,
        actor: str,
        action: str,
        target: str,
        details: Mapping[str, Any] | None = None,
    ) -> AuditRecord:
        """Add an entry inside the caller's transaction, so it commits with the action it records.

        A lost race surfaces as the database's unique-key error; the caller retries its whole
        transaction (or uses ``append`` for actions that stand alone).
        """
        return _insert_at_head(session, actor, action, target, canonical_details(details))

    def _try_append(self, actor: str, action: str, target: str, details: str) -> AuditRecord:
        with self._sessions() as session, session.begin():
            return _insert_at_head(session, actor, action, target, details)

    def records(self, *, after_seq: int = 0, limit: int | None = None) -> list[AuditRecord]:
        with self._sessions() as session:
            query = select(AuditEntry).where(AuditEntry.seq > after_seq).order_by(AuditEntry.seq)
            if limit is not None:
                query = query.limit(limit)
            return [record_of(row) for row in session.scalars(query)]

    def verify(self, *, anchor: tuple[int, str] | None = None, batch: int = 5000) -> ChainReport:
        """Walk the whole chain in ``seq`` order; report the first entry that does not verify."""
        verifier = _ChainWalker(anchor)
        after = 0
        while rows := self.records(after_seq=after, limit=batch):
            if problem := verifier.feed(rows):
                return verifier.report(problem)
            after = rows[-1].seq
        return verifier.report(verifier.finish())


_HEAD = select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
_INSERT = insert(table_of(AuditEntry))
_APPENDED = "audit_appended_seq"
_COMMITTED = "audit_committed_seq"
"""Prebuilt Core statements: the head read and the insert cost no ORM work per entry."""


def _insert_at_head(
    session: Session, actor: str, action: str, target: str, details: str
) -> AuditRecord:
    session.flush()  # the caller's pending writes first, as before: they take the write lock
    record = append_on(session.connection(), actor, action, target, details)
    session.info[_APPENDED] = record.seq
    return record


def append_on(
    connection: Connection, actor: str, action: str, target: str, details: str
) -> AuditRecord:
    """Insert one entry (canonical ``details``) at the head inside ``connection``'s transaction.

    A lost race surfaces as the database's unique-key error on ``seq``; the caller retries.
    """
    head = connection.execute(_HEAD).first()
    seq = head.seq + 1 if head else 1
    prev = head.entry_hash if head else GENESIS_HASH
    at = now().isoformat(timespec="microseconds")
    digest = entry_hash(
        seq=seq, at=at, actor=actor, action=action, target=target, details=details, prev_hash=prev
    )
    record = AuditRecord(seq, at, actor, action, target, details, prev, digest)
    connection.execute(
        _INSERT,
        {
            "seq": seq,
            "at": at,
            "actor": actor,
            "action": action,
            "target": target,
            "details": details,
            "prev_hash": prev,
            "entry_hash": digest,
        },
    )
    return record


def record_of(row: AuditEntry) -> AuditRecord:
    """The stored row as the frozen record verification and readers use."""
    return AuditRecord(
        row.seq,
        row.at,
        row.actor,
        row.action,
        row.target,
        row.details,
        row.prev_hash,
        row.entry_hash,
    )


class _ChainWalker:
    """Checks records in order, remembering the last good link."""

    def __init__(self, anchor: tuple[int, str] | None) -> None:
        self.anchor = anchor
        self.count = 0
        self.last_seq = 0
        self.last_hash = GENESIS_HASH

    def feed(self, rows: Iterable[AuditRecord]) -> ChainProblem | None:
        for row in rows:
            if problem := self._check(row):
                return problem
            self.count += 1
            self.last_seq, self.last_hash = row.seq, row.entry_hash
        return None

    def _check(self, row: AuditRecord) -> ChainProblem | None:
        expected_seq = self.last_seq + 1
        if row.seq != expected_seq:
            return ChainProblem(
                expected_seq, f"entry {expected_seq} is missing (next is {row.seq})"
            )
        if row.prev_hash != self.last_hash:
            return ChainProblem(
                row.seq, "does not link to the entry before it (inserted, deleted or reordered)"
            )
        recomputed = entry_hash(
            seq=row.seq,
            at=row.at,
            actor=row.actor,
            action=row.action,
            target=row.target,
            details=row.details,
            prev_hash=row.prev_hash,
        )
        if recomputed != row.entry_hash:
            return ChainProblem(row.seq, "content does not match its hash (edited)")
        if self.anchor and row.seq == self.anchor[0] and row.entry_hash != self.anchor[1]:
            return ChainProblem(row.seq, "differs from the anchored head")
        return None

    def finish(self) -> ChainProblem | None:
        if self.anchor and self.last_seq < self.anchor[0]:
            return ChainProblem(
                self.last_seq + 1,
                f"chain ends at {self.last_seq} but the anchor names entry {self.anchor[0]} "
                "(entries removed from the end)",
            )
        return None

    def report(self, problem: ChainProblem | None) -> ChainReport:
        return ChainReport(self.count, self.last_seq, self.last_hash, problem)


def parse_anchor(text: str) -> tuple[int, str]:
    """Parse ``SEQ:HASH`` as printed by ``datalab audit verify``."""
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise InvalidInput(f"anchor {text!r} must look like SEQ:64-hex-hash")
    return int(seq), digest.lower()
