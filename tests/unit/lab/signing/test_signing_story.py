"""One signing story: manifests and receipts survive key rotation and secret-key rotation, old
deployments' keys are imported, tampering fails, and an outsider verifies with stock libraries."""

from __future__ import annotations

import base64
import json
import zipfile
from pathlib import Path

import pytest
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi.testclient import TestClient

from lab.app import create_app
from lab.audit.chain import canonical_details
from lab.catalogue.t2_extracts.manifests import MANIFEST_NAME, SIGNATURE_NAME, sign, verify
from lab.catalogue.t2_extracts.tracing import trace_file
from lab.credit.consent import receipt_of
from lab.credit.signing import lab_signer, verify_receipt
from lab.db.models import CreditConsent
from lab.errors import IntegrityError
from lab.services import LabServices, open_services
from lab.settings import LabSettings
from lab.signing import CONSENT_KEY, MANIFEST_KEY, key_id_of
from lab.signing.legacy import derived_manifest_key
from tests.unit.lab.catalogue.conditional import approved_application, publish_conditional
from tests.unit.lab.catalogue.test_tracing import _issue
from tests.unit.lab.cli.shell import datalab
from tests.unit.lab.signing.legacy_pem import write_pem

CONSENT = {
    "consent_id": "cst_0042",
    "credit_code": "91370202MA3C4F6Y23",
    "bank": "青岛测试银行",
    "bank_id": 4,
    "scopes": ["judicial", "tax"],
    "authorised_at": "2026-11-22T06:00:00+00:00",
}
MANIFEST = {"download_id": 7, "recipient": "alice", "dataset": "annual-bands", "rows": 200}


def _open(home: Path, secret: str = "first secret of the lab") -> LabServices:  # noqa: S107
    return open_services(LabSettings(home=home, secret_key=secret))


@pytest.fixture
def lab(tmp_path) -> LabServices:
    """A lab on SQLite with a configured cookie secret."""
    services = _open(tmp_path / "home")
    yield services
    services.close()


def _old_manifest(secret: bytes, manifest: dict) -> tuple[bytes, bytes]:
    """A manifest exactly as versions before the signing key file wrote it."""
    key = derived_manifest_key(secret)
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    document = {"format": "datalab-extract-manifest/1", **manifest, "public_key": public.hex()}
    body = json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2).encode()
    return body, base64.b64encode(key.sign(body))


def test_manifest_and_receipt_signed_before_a_rotation_verify_after_it(lab: LabServices) -> None:
    """After rotating both keys, earlier manifests and receipts verify; new ones use new kids."""
    body, signature = sign(lab.signing.current(), MANIFEST)
    receipt = lab_signer(lab.signing).sign(CONSENT)
    old_manifest_kid = json.loads(body)["kid"]
    lab.signing.rotate(MANIFEST_KEY)
    lab.signing.rotate(CONSENT_KEY)
    keys = lab.signing.current()
    assert verify(keys, body, signature)["recipient"] == "alice"
    verify_receipt(receipt, keys)
    assert keys.active(MANIFEST_KEY).kid != old_manifest_kid
    assert keys.find(MANIFEST_KEY, old_manifest_kid).private is None
    assert lab_signer(lab.signing).sign(CONSENT).key_id != receipt.key_id


def test_receipt_is_rebuilt_and_verified_over_http_after_rotation(lab: LabServices) -> None:
    """A stored consent's receipt is still served after rotation; the public route says valid."""
    receipt = lab_signer(lab.signing).sign(CONSENT)
    lab.signing.rotate(CONSENT_KEY)
    stored = CreditConsent(
        id="cst_0042",
        signed_payload=json.dumps(CONSENT, ensure_ascii=False, sort_keys=True),
        signature=receipt.signature,
        key_id=receipt.key_id,
    )
    rebuilt = receipt_of(stored, lab_signer(lab.signing))
    assert rebuilt == receipt
    with TestClient(create_app(lab)) as client:
        answer = client.post("/api/credit/receipts/verify", json={"receipt": rebuilt.to_json()})
        active = client.get("/api/credit/signing-key").json()
    assert answer.json()["valid"] is True
    assert active["key_id"] != receipt.key_id


def test_rotating_the_secret_key_keeps_manifest_keys(tmp_path) -> None:
    """DATALAB_SECRET_KEY changes; the manifest key and the manifests it signed do not."""
    first = _open(tmp_path / "home", "first secret of the lab")
    body, signature = sign(first.signing.current(), MANIFEST)
    kid = first.signing.current().active(MANIFEST_KEY).kid
    first.close()
    second = _open(tmp_path / "home", "a rotated secret, quite different")
    try:
        assert second.signing.current().active(MANIFEST_KEY).kid == kid
        assert verify(second.signing.current(), body, signature)["download_id"] == 7
    finally:
        second.close()


def test_manifest_of_the_derived_key_still_verifies_after_the_change_and_rotations(
    tmp_path,
) -> None:
    """A deployment's existing manifests (key derived from the secret) keep verifying: the
    derived public key is imported as a retired, verify-only key under its kid."""
    secret = "the secret of an existing deployment"
    body, signature = _old_manifest(secret.encode(), MANIFEST)
    lab = _open(tmp_path / "home", secret)
    try:
        lab.signing.rotate(MANIFEST_KEY)
        keys = lab.signing.current()
        derived = derived_manifest_key(secret.encode()).public_key()
        kid = key_id_of(
            derived.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )
        assert keys.find(MANIFEST_KEY, kid).status == "retired"
        assert keys.find(MANIFEST_KEY, kid).private is None
        assert verify(keys, body, signature)["recipient"] == "alice"
        assert keys.active(MANIFEST_KEY).kid != kid
    finally:
        lab.close()
    stored = json.loads((tmp_path / "home" / "secrets" / "signing-keys.json").read_text())
    assert not [k for k in stored["keys"] if k["status"] == "retired" and "private" in k]


def test_consent_pem_of_an_existing_deployment_is_imported_as_the_active_key(tmp_path) -> None:
    """Receipts signed with the old PEM key (old byte form) verify, and the kid does not change."""
    pem_key = Ed25519PrivateKey.generate()
    write_pem(tmp_path / "home" / "secrets" / "credit-signing-key.pem", pem_key)
    public = pem_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    old = {
        "algorithm": "Ed25519",
        "consent": CONSENT,
        "key_id": key_id_of(public),
        "public_key": base64.b64encode(public).decode(),
        "signature": base64.b64encode(pem_key.sign(canonical_details(CONSENT).encode())).decode(),
    }
    lab = _open(tmp_path / "home")
    try:
        assert lab.signing.current().active(CONSENT_KEY).kid == key_id_of(public)
        lab.signing.rotate(CONSENT_KEY)
        with TestClient(create_app(lab)) as client:
            answer = client.post("/api/credit/receipts/verify", json={"receipt": old})
        assert answer.json()["valid"] is True
    finally:
        lab.close()


def test_tampered_or_foreign_manifests_fail(lab: LabServices) -> None:
    """An edited field, a signature by a key the lab never published, or a swapped kid all fail."""
    keys = lab.signing.current()
    body, signature = sign(keys, MANIFEST)
    edited = body.replace(b'"recipient":"alice"', b'"recipient":"bob"')
    assert edited != body
    with pytest.raises(IntegrityError):
        verify(keys, edited, signature)
    foreign = Ed25519PrivateKey.generate()
    document = json.loads(body)
    document["kid"] = key_id_of(
        foreign.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
    )
    forged = rfc8785.dumps(document)
    with pytest.raises(IntegrityError, match="not one of the lab's"):
        verify(keys, forged, base64.b64encode(foreign.sign(forged)))
    lab.signing.rotate(MANIFEST_KEY)
    document = {**json.loads(body), "kid": lab.signing.current().active(MANIFEST_KEY).kid}
    with pytest.raises(IntegrityError):
        verify(lab.signing.current(), rfc8785.dumps(document), signature)


def _outsider_key(jwks: dict, kid: str) -> Ed25519PublicKey:
    """What an outsider does: pick the JWK by kid and decode its ``x``."""
    (jwk,) = [k for k in jwks["keys"] if k["kid"] == kid]
    assert (jwk["kty"], jwk["crv"], jwk["alg"]) == ("OKP", "Ed25519", "EdDSA")
    return Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(jwk["x"] + "=="))


def test_outsider_verifies_a_real_download_and_a_receipt_with_stock_libraries(
    lab: LabServices, tmp_path
) -> None:
    """With only the JWKS from HTTP, rfc8785 and cryptography: the manifest of a real download and a
    receipt verify after a rotation, and one edited byte does not."""
    publish_conditional(lab, tmp_path, "annual-bands")
    copy = _issue(lab, approved_application(lab, "annual-bands", "alice"), "alice", tmp_path)
    receipt = lab_signer(lab.signing).sign(CONSENT).to_json()
    lab.signing.rotate(MANIFEST_KEY)
    lab.signing.rotate(CONSENT_KEY)
    with TestClient(create_app(lab)) as client:
        jwks = client.get("/.well-known/jwks.json").json()
    with zipfile.ZipFile(copy.path) as archive:
        body = archive.read(MANIFEST_NAME)
        signature = base64.b64decode(archive.read(SIGNATURE_NAME))
    manifest = json.loads(body)
    assert rfc8785.dumps(manifest) == body
    _outsider_key(jwks, manifest["kid"]).verify(signature, body)
    consent_bytes = rfc8785.dumps(receipt["consent"])
    key = _outsider_key(jwks, receipt["key_id"])
    key.verify(base64.b64decode(receipt["signature"]), consent_bytes)
    with pytest.raises(InvalidSignature):
        key.verify(base64.b64decode(receipt["signature"]), consent_bytes.replace(b"tax", b"taX"))
    assert trace_file(lab, copy.path).manifest_verified


def test_jwks_publishes_public_halves_only(lab: LabServices) -> None:
    """The published set holds both names, active and retired, and no private material."""
    lab.signing.rotate(MANIFEST_KEY)
    with TestClient(create_app(lab)) as client:
        jwks = client.get("/.well-known/jwks.json").json()
    summary = sorted((k["name"], k["status"]) for k in jwks["keys"])
    assert summary.count((MANIFEST_KEY, "retired")) == 2  # the derived key and the rotated one
    assert (MANIFEST_KEY, "active") in summary and (CONSENT_KEY, "active") in summary
    assert not [k for k in jwks["keys"] if "d" in k or "private" in k]


@pytest.mark.slow  # runs `datalab` in subprocesses: over 15 s each on the shared CI machine
def test_rotate_signing_command_is_audited_and_keeps_the_file_private(tmp_path) -> None:
    """`datalab keys rotate-signing` swaps the active key, audits it, and the file stays 0600."""
    home = tmp_path / "home"
    assert datalab(home, "init").returncode == 0
    before = datalab(home, "keys", "signing")
    assert before.returncode == 0, before.stderr
    result = datalab(home, "keys", "rotate-signing", MANIFEST_KEY)
    assert result.returncode == 0, result.stderr
    after = datalab(home, "keys", "signing").stdout.splitlines()
    active = [
        line.split("\t")[1]
        for line in after
        if line.startswith(MANIFEST_KEY + "\t") and "\tactive\t" in line
    ]
    assert len(active) == 1 and active[0] in result.stdout and active[0] not in before.stdout
    assert (home / "secrets" / "signing-keys.json").stat().st_mode & 0o777 == 0o600
    audit = datalab(home, "audit", "verify")
    assert audit.returncode == 0, audit.stderr
    refused = datalab(home, "keys", "rotate-signing", "cookies")
    assert refused.returncode == 2 and "extract-manifest" in refused.stderr
