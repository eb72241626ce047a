"""Signed audit checkpoints, attacked as someone with write access to the database would.

The chain is built and verified through the real ``datalab`` command; the attacks edit
``lab.db`` directly (truncate, wipe, rewrite with recomputed hashes) or plant checkpoints signed
with another key, then ``datalab audit verify`` must fail naming the checkpoint.
"""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lab.audit.chain import GENESIS_HASH, entry_hash
from lab.audit.checkpoints import CheckpointSigner, checkpoint_key
from lab.errors import Conflict, IntegrityError
from lab.storage import LocalObjectStore
from tests.unit.lab.cli.shell import datalab

PASSWORD = "a long password 123\n"


def add_users(home: Path, *names: str, **env: str) -> None:
    for name in names:
        made = datalab(home, "user", "create", name, "--role", "auditor", "--password-stdin",
                       stdin=PASSWORD, **env)  # fmt: skip
        assert made.returncode == 0, made.stderr


@pytest.fixture(scope="module")
def checkpointed(tmp_path_factory) -> Path:
    """A lab with 3 audit entries, checkpointed at seq 3, and 2 entries after it (built once)."""
    lab_home = tmp_path_factory.mktemp("checkpointed") / "home"
    assert datalab(lab_home, "init").returncode == 0
    add_users(lab_home, "a1", "a2", "a3")
    written = datalab(lab_home, "audit", "checkpoint")
    assert written.returncode == 0 and "seq 3" in written.stdout, written.stderr
    add_users(lab_home, "a4", "a5")
    return lab_home


@pytest.fixture
def home(checkpointed: Path, tmp_path) -> Path:
    """A private copy of the checkpointed lab for one attack."""
    return Path(shutil.copytree(checkpointed, tmp_path / "home"))


def rewrite_from(db: sqlite3.Connection, seq: int) -> None:
    """Edit entry ``seq`` and recompute its hash and every later one: a chain that links."""
    db.execute("UPDATE audit_entries SET actor = 'someone-else' WHERE seq = ?", (seq,))
    rows = db.execute("SELECT seq, at, actor, action, target, details FROM audit_entries "
                      "ORDER BY seq").fetchall()  # fmt: skip
    previous = GENESIS_HASH
    for number, at, actor, action, target, details in rows:
        digest = entry_hash(seq=number, at=at, actor=actor, action=action, target=target,
                            details=details, prev_hash=previous)  # fmt: skip
        db.execute("UPDATE audit_entries SET prev_hash = ?, entry_hash = ? WHERE seq = ?",
                   (previous, digest, number))  # fmt: skip
        previous = digest


ATTACKS = {
    "delete the last entries": lambda db: db.execute("DELETE FROM audit_entries WHERE seq > 1"),
    "delete every entry": lambda db: db.execute("DELETE FROM audit_entries"),
    "edit one and recompute later hashes": lambda db: rewrite_from(db, 2),
}


@pytest.mark.slow  # runs `datalab` in subprocesses: over 15 s each on the shared CI machine
def test_normal_chain_verifies_and_says_how_far_the_checkpoint_covers(home: Path) -> None:
    """An untouched chain verifies, naming the checkpoint and the entries after it."""
    verified = datalab(home, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "audit chain ok: 5 entries; checkpoint at seq 3 signed 20" in verified.stdout
    assert "2 entries after it not yet checkpointed" in verified.stdout


@pytest.mark.slow  # runs `datalab` in subprocesses: over 15 s each on the shared CI machine
@pytest.mark.parametrize("attack", list(ATTACKS))
def test_truncation_and_rewrites_are_caught_by_the_checkpoint(home: Path, attack: str) -> None:
    """Removing entries from the end, wiping the chain, or rewriting it with fresh hashes fails
    verification naming the checkpoint (each of these verified "ok" without one)."""
    with sqlite3.connect(home / "lab.db") as db:
        ATTACKS[attack](db)
    verified = datalab(home, "audit", "verify")
    assert verified.returncode == 1, verified.stdout
    assert "audit chain BROKEN" in verified.stdout
    assert checkpoint_key(3) in verified.stdout


def forged_checkpoint(home: Path, seq: int, head_hash: str) -> str:
    """Plant a checkpoint signed with a key of the attacker's; return that key (base64)."""
    signer = CheckpointSigner(Ed25519PrivateKey.generate())
    forged = signer.sign(seq, head_hash)
    path = home / "objects" / checkpoint_key(seq)
    path.write_bytes(forged.to_bytes())
    return signer.public_key


@pytest.mark.slow  # runs `datalab` in subprocesses: over 15 s each on the shared CI machine
def test_a_checkpoint_signed_with_another_key_is_rejected(home: Path) -> None:
    """An attacker who rewrites the chain and signs a new head with their own key is refused."""
    with sqlite3.connect(home / "lab.db") as db:
        rewrite_from(db, 2)
        seq, digest = db.execute("SELECT max(seq), entry_hash FROM audit_entries").fetchone()
    forged_checkpoint(home, seq, digest)
    verified = datalab(home, "audit", "verify")
    assert verified.returncode == 1 and "not signed by the lab's audit key" in verified.stdout
    assert checkpoint_key(seq) in verified.stdout


@pytest.mark.slow  # runs `datalab` in subprocesses: over 15 s each on the shared CI machine
def test_a_pinned_public_key_defeats_a_replaced_key_file(home: Path) -> None:
    """Replacing the key file and re-signing fools only a verifier that trusts the machine: with
    the public key kept elsewhere (`--public-key`), the re-signed checkpoint is refused."""
    original = json.loads((home / "objects" / checkpoint_key(3)).read_text())["public_key"]
    with sqlite3.connect(home / "lab.db") as db:
        db.execute("DELETE FROM audit_entries WHERE seq > 1")
    (home / "secrets" / "signing-keys.json").unlink()  # the audit key lives there
    for stale in (home / "objects" / "audit" / "checkpoints").iterdir():
        stale.unlink()  # possible on a local disk; S3 object lock would refuse it
    written = datalab(home, "audit", "checkpoint")
    assert written.returncode == 0, written.stderr
    assert datalab(home, "audit", "verify").returncode == 0
    pinned = datalab(home, "audit", "verify", "--public-key", original)
    assert pinned.returncode == 1 and "not signed by the lab's audit key" in pinned.stdout
    assert base64.b64decode(original) and original not in written.stdout


@pytest.mark.slow  # runs `datalab` in subprocesses: over 15 s each on the shared CI machine
def test_checkpoints_are_written_as_entries_accumulate(tmp_path) -> None:
    """Without `datalab audit checkpoint`, appends write checkpoints: the first entry at once,
    then every N entries."""
    lab_home = tmp_path / "home"
    assert datalab(lab_home, "init").returncode == 0
    add_users(lab_home, "b1", "b2", "b3", "b4", DATALAB_AUDIT_CHECKPOINT_EVERY="2")
    keys = sorted(p.name for p in (lab_home / "objects" / "audit" / "checkpoints").iterdir())
    assert keys == [Path(checkpoint_key(seq)).name for seq in (1, 3)]
    with sqlite3.connect(lab_home / "lab.db") as db:
        db.execute("DELETE FROM audit_entries WHERE seq > 2")
    verified = datalab(lab_home, "audit", "verify")
    assert verified.returncode == 1 and checkpoint_key(3) in verified.stdout


def test_a_written_checkpoint_is_never_overwritten(tmp_path) -> None:
    """The local store refuses to replace a write-once object (S3 relies on object lock)."""
    store = LocalObjectStore(tmp_path / "objects")
    store.put_new(checkpoint_key(1), b"first")
    with pytest.raises(Conflict):
        store.put_new(checkpoint_key(1), b"second")
    assert store.read_bytes(checkpoint_key(1)) == b"first"


def test_a_failing_checkpoint_never_fails_the_audited_action(sqlite_lab) -> None:
    """A checkpoint that cannot be written (here: a planted, unsigned newest checkpoint) leaves
    appends working, while verification refuses the chain."""
    sqlite_lab.store.put(checkpoint_key(99), [b"{}"], length=2)
    for index in range(3):
        sqlite_lab.audit.append(actor="test", action="test.append", target=str(index))
    assert sqlite_lab.audit.head()[0] == 3
    with pytest.raises(IntegrityError):
        sqlite_lab.checkpoints.verify()
