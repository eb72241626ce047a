"""Signed checkpoints of the audit chain's head, written once to the object store.

A hash chain alone cannot show that entries were removed from its end, or that the whole chain was
rewritten with fresh hashes: someone who can write the database can do both and the chain still
verifies. So the head is anchored outside the database: a checkpoint is the head's ``seq`` and hash
with the time, signed with the lab's ``audit-checkpoint`` Ed25519 key (in the 0600 signing key file
of ``lab.signing``, never in the database), and stored under ``audit/checkpoints/<seq>.json``, a key
that is never overwritten (the local store refuses; S3 with object lock in compliance mode keeps it
for good).

Verification trusts the newest checkpoint signed by one of the lab's audit keys, active or retired
by a rotation (or by a public key an auditor pins): the chain must still hold that ``seq`` with that
hash, and every link up to it must hold. Entries after it are reported as not yet checkpointed. A
checkpoint is written when ``audit_checkpoint_every`` entries or ``audit_checkpoint_seconds`` have
passed since the last one (checked after each committed append and by the server's ticker; the
chain's first entries get one at once), and on ``datalab audit checkpoint``. A checkpoint is never
written over a chain that lost the previous one's entry: the evidence stays.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
import time
from collections.abc import Collection
from dataclasses import asdict, dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from lab.audit.chain import AuditLog, ChainProblem, ChainReport, canonical_details
from lab.clock import now
from lab.errors import Conflict, IntegrityError, LabError
from lab.signing import AUDIT_KEY, SigningKeyStore
from lab.storage import ObjectStore

CHECKPOINT_PREFIX = "audit/checkpoints/"
KIND = "datalab-audit-checkpoint"
log = logging.getLogger(__name__)


def checkpoint_key(seq: int) -> str:
    """Object key of the checkpoint at ``seq`` (zero-padded, so key order is ``seq`` order)."""
    return f"{CHECKPOINT_PREFIX}{seq:012d}.json"


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head at one moment, signed."""

    seq: int
    head_hash: str
    signed_at: str
    key_id: str
    public_key: str
    signature: str

    def signed_bytes(self) -> bytes:
        body = {"kind": KIND, "seq": self.seq, "head_hash": self.head_hash, "at": self.signed_at}
        return canonical_details(body).encode()

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), indent=1).encode()

    @classmethod
    def from_bytes(cls, raw: bytes, where: str) -> Checkpoint:
        try:
            fields = json.loads(raw)
            return cls(**{name: fields[name] for name in cls.__dataclass_fields__})
        except (ValueError, TypeError, KeyError):
            raise IntegrityError(f"checkpoint {where} is malformed") from None


class CheckpointSigner:
    """Signs heads with the audit key and checks checkpoints against a trusted public key."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        raw = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.public_key = base64.b64encode(raw).decode()

    def sign(self, seq: int, head_hash: str) -> Checkpoint:
        at = now().isoformat(timespec="seconds")
        unsigned = Checkpoint(seq, head_hash, at, key_id_of(self.public_key), self.public_key, "")
        signature = base64.b64encode(self._key.sign(unsigned.signed_bytes())).decode()
        return Checkpoint(seq, head_hash, at, unsigned.key_id, self.public_key, signature)


def key_id_of(public_key: str) -> str:
    """A short name of a base64 public key: 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_key.encode()).hexdigest()[:16]


def check_signature(checkpoint: Checkpoint, trusted: Collection[str], where: str) -> None:
    """Raise IntegrityError unless ``checkpoint`` was signed by one of the ``trusted`` public keys
    (base64)."""
    if checkpoint.public_key not in trusted:
        raise IntegrityError(f"checkpoint {where} is not signed by the lab's audit key (forged?)")
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(checkpoint.public_key))
        public.verify(base64.b64decode(checkpoint.signature), checkpoint.signed_bytes())
    except (InvalidSignature, ValueError):
        raise IntegrityError(f"checkpoint {where} has a bad signature (forged or edited)") from None


def audit_public_keys(keys: SigningKeyStore) -> set[str]:
    """Every audit key the lab has had, active or retired, as base64 public keys."""
    found = keys.current().keys
    return {base64.b64encode(k.public_raw).decode() for k in found if k.name == AUDIT_KEY}


@dataclass(frozen=True)
class AnchoredReport:
    """A chain verification against the newest checkpoint (None when none was written yet)."""

    chain: ChainReport
    checkpoint: Checkpoint | None

    @property
    def ok(self) -> bool:
        return self.chain.ok

    @property
    def uncovered(self) -> int:
        """Entries after the checkpoint, not yet anchored."""
        return self.chain.head_seq - (self.checkpoint.seq if self.checkpoint else 0)


class AuditCheckpoints:
    """Writes checkpoints when due or asked, and verifies the chain against the newest one."""

    def __init__(
        self,
        audit: AuditLog,
        store: ObjectStore,
        keys: SigningKeyStore,
        *,
        every: int,
        seconds: float,
    ) -> None:
        self.audit, self.store, self.keys = audit, store, keys
        self.every, self.seconds = every, seconds
        self._lock = threading.Lock()
        self._last_seq: int | None = None
        self._last_time = time.monotonic()

    def signer(self) -> CheckpointSigner:
        """A signer with the active audit key (the key file is reread when it changes)."""
        private = self.keys.current().active(AUDIT_KEY).private
        assert private is not None  # an active key always holds it (checked on creation)
        return CheckpointSigner(private)

    def latest(self, trusted_public_key: str | None = None) -> Checkpoint | None:
        """The newest checkpoint, its signature checked (IntegrityError if it does not hold)."""
        keys = [info.key for info in self.store.list(CHECKPOINT_PREFIX)]
        if not keys:
            return None
        checkpoint = Checkpoint.from_bytes(self.store.read_bytes(keys[-1]), keys[-1])
        trusted = {trusted_public_key} if trusted_public_key else audit_public_keys(self.keys)
        check_signature(checkpoint, trusted, keys[-1])
        return checkpoint

    def verify(self, trusted_public_key: str | None = None) -> AnchoredReport:
        """Walk the chain; it must still hold the newest checkpoint's ``seq`` with its hash."""
        checkpoint = self.latest(trusted_public_key)
        anchor = (checkpoint.seq, checkpoint.head_hash) if checkpoint else None
        report = self.audit.verify(anchor=anchor)
        if report.problem and checkpoint:
            where = checkpoint_key(checkpoint.seq)
            reason = f"{report.problem.reason} — checkpoint {where} signed {checkpoint.signed_at}"
            report = ChainReport(
                report.entries,
                report.head_seq,
                report.head_hash,
                ChainProblem(report.problem.seq, reason),
            )
        return AnchoredReport(report, checkpoint)

    def write(self) -> Checkpoint | None:
        """Checkpoint the committed head now; the newest checkpoint if it already covers the head,
        None if the chain is empty."""
        with self._lock:
            return self._write_locked()

    def after_append(self, seq: int) -> None:
        """Called after an entry at ``seq`` commits: write a checkpoint if one is due."""
        self._write_if_due(seq)

    def tick(self) -> None:
        """The periodic check (the server's ticker): a checkpoint once ``seconds`` have passed."""
        self._write_if_due(None)

    def _write_if_due(self, seq: int | None) -> None:
        """Never fails the action that was audited (it has committed): a failure is logged and
        retried when the next checkpoint is due."""
        try:
            head = self.audit.head()[0] if seq is None else seq
            if self._due(head):
                self.write()
        except Exception as exc:  # see the docstring
            message = exc.message if isinstance(exc, LabError) else type(exc).__name__
            log.warning("audit checkpoint not written: %s", message)
            self._remember(max(self._last_seq or 0, seq or 0))

    def _due(self, seq: int) -> bool:
        if self._last_seq is None:
            with self._lock:
                self._last_seq = self._newest_seq()
        pending = seq - self._last_seq
        elapsed = time.monotonic() - self._last_time
        first = self._last_seq == 0
        return pending >= self.every or (pending > 0 and (first or elapsed >= self.seconds))

    def _newest_seq(self) -> int:
        keys = [info.key for info in self.store.list(CHECKPOINT_PREFIX)]
        return int(keys[-1].removeprefix(CHECKPOINT_PREFIX).split(".")[0]) if keys else 0

    def _write_locked(self) -> Checkpoint | None:
        previous = self.latest()
        seq, head_hash = self.audit.head()
        if seq == 0 or (previous and seq <= previous.seq):
            self._remember(previous.seq if previous else 0)
            return previous
        if previous and self.audit.hash_at(previous.seq) != previous.head_hash:
            raise IntegrityError(
                f"the audit chain no longer holds checkpoint {checkpoint_key(previous.seq)}; "
                "no new checkpoint is written over it — run `datalab audit verify`"
            )
        checkpoint = self.signer().sign(seq, head_hash)
        try:
            self.store.put_new(checkpoint_key(seq), checkpoint.to_bytes())
        except Conflict:
            checkpoint = self.latest() or checkpoint  # another process wrote this seq first
        self._remember(seq)
        return checkpoint

    def _remember(self, seq: int) -> None:
        self._last_seq, self._last_time = seq, time.monotonic()


class CheckpointTicker:
    """A daemon thread that calls ``tick`` every ``interval`` seconds until ``stop``."""

    def __init__(self, checkpoints: AuditCheckpoints, interval: float) -> None:
        self.checkpoints, self.interval = checkpoints, interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audit-checkpoints", daemon=True)

    def start(self) -> CheckpointTicker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=self.interval + 5)

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            self.checkpoints.tick()

    @classmethod
    def for_settings(cls, checkpoints: AuditCheckpoints) -> CheckpointTicker:
        """Tick often enough to honour ``seconds``: between 1 and 30 seconds."""
        return cls(checkpoints, max(1.0, min(checkpoints.seconds, 30.0)))
