"""The audit-checkpoint key in the named-key store: an old deployment's PEM key is imported, its
checkpoints still verify (also after a rotation), and rotations at once all land."""

from __future__ import annotations

import base64
import json
import multiprocessing
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lab.audit.checkpoints import CheckpointSigner, checkpoint_key
from lab.errors import IntegrityError
from lab.services import open_services
from lab.settings import LabSettings
from lab.signing import AUDIT_KEY, CONSENT_KEY, MANIFEST_KEY, KeySet, SigningKeyStore
from lab.signing.keys import raw_public
from lab.signing.store import new_key, write_key_file
from tests.unit.lab.signing.legacy_pem import write_pem

ROTATIONS_EACH, WORKERS = 5, 4


def _old_deployment(home: Path) -> tuple[Ed25519PrivateKey, str]:
    """A home as an earlier version left it: the audit key in its own PEM file and a signing key
    file without an audit key. Returns the PEM key and the manifest key's kid."""
    secrets = home / "secrets"
    pem_key = Ed25519PrivateKey.generate()
    write_pem(secrets / "audit-signing-key.pem", pem_key)
    manifest = new_key(MANIFEST_KEY)
    old_file = KeySet((manifest, new_key(CONSENT_KEY)))
    write_key_file(secrets / "signing-keys.json", old_file, replace=False)
    return pem_key, manifest.kid


def test_checkpoint_signed_with_the_old_pem_key_verifies_after_upgrade_and_rotation(
    tmp_path,
) -> None:
    """The PEM key becomes the active audit key (the other keys untouched); a checkpoint it
    signed the old way verifies, and still does once the audit key is rotated."""
    home = tmp_path / "home"
    pem_key, manifest_kid = _old_deployment(home)
    lab = open_services(LabSettings(home=home, secret_key="a secret of the lab"))
    try:
        keys = lab.signing.current()
        assert keys.active(AUDIT_KEY).public_raw == raw_public(pem_key)
        assert "audit-signing-key.pem" in keys.active(AUDIT_KEY).origin
        assert keys.active(MANIFEST_KEY).kid == manifest_kid
        for n in range(3):
            lab.audit.append(actor="steward", action="test.step", target=f"t{n}")
        seq, head = lab.audit.head()
        old = CheckpointSigner(pem_key).sign(seq, head)  # exactly what earlier versions wrote
        lab.store.put_new(checkpoint_key(seq), old.to_bytes())
        assert lab.checkpoints.verify().ok and lab.checkpoints.latest() == old

        lab.signing.rotate(AUDIT_KEY)
        assert lab.checkpoints.verify().ok  # signed by a retired key: still the lab's
        lab.audit.append(actor="steward", action="test.step", target="after rotation")
        fresh = lab.checkpoints.write()
        assert fresh is not None and fresh.public_key != old.public_key
        assert (
            fresh.public_key
            == base64.b64encode(lab.signing.current().active(AUDIT_KEY).public_raw).decode()
        )
        assert lab.checkpoints.verify().ok
    finally:
        lab.close()


def test_a_checkpoint_by_a_key_the_lab_never_had_still_fails(tmp_path) -> None:
    """Trusting retired audit keys trusts only the lab's own: a stranger's signature is refused."""
    lab = open_services(LabSettings(home=tmp_path / "home", secret_key="s" * 20))
    try:
        for n in range(2):  # the first entry is checkpointed at once, by the lab's key
            lab.audit.append(actor="steward", action="test.step", target=f"t{n}")
        seq, head = lab.audit.head()
        forged = CheckpointSigner(Ed25519PrivateKey.generate()).sign(seq, head)
        lab.store.put_new(checkpoint_key(seq), forged.to_bytes())
        with pytest.raises(IntegrityError, match="not signed by the lab's audit key"):
            lab.checkpoints.verify()
    finally:
        lab.close()


def _rotate_many(path: str, start, kids) -> None:
    store = SigningKeyStore(Path(path))
    start.wait()
    for _ in range(ROTATIONS_EACH):
        kids.put(store.rotate(MANIFEST_KEY).kid)


def test_concurrent_rotations_all_land_and_the_file_stays_valid(tmp_path) -> None:
    """Processes rotating the same key at once: every new key is in the file (one active, the
    rest retired), nothing is lost, and the file is one valid JSON document."""
    path = tmp_path / "secrets" / "signing-keys.json"
    before = SigningKeyStore(path).current()
    context = multiprocessing.get_context("fork")
    start, kids = context.Event(), context.Queue()
    workers = [
        context.Process(target=_rotate_many, args=(str(path), start, kids)) for _ in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    made = {kids.get(timeout=5) for _ in range(WORKERS * ROTATIONS_EACH)}
    document = json.loads(path.read_bytes())
    manifest = [k for k in document["keys"] if k["name"] == MANIFEST_KEY]
    assert len(made) == WORKERS * ROTATIONS_EACH
    assert made <= {k["kid"] for k in manifest}
    assert [k["status"] for k in manifest].count("active") == 1
    earlier = [k for k in before.keys if k.name == MANIFEST_KEY]
    assert len(manifest) == len(earlier) + WORKERS * ROTATIONS_EACH
    assert path.stat().st_mode & 0o777 == 0o600
