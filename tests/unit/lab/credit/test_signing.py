"""Consent receipts: they verify offline, and any edited field makes them fail."""

from __future__ import annotations

import copy

import pytest

from lab.credit.signing import lab_signer, parse_receipt, verify_receipt
from lab.errors import IntegrityError
from lab.signing import SigningKeyStore

CONSENT = {
    "consent_id": "cst_0123",
    "credit_code": "91370202MA3C4F6Y23",
    "bank": "青岛测试银行",
    "bank_id": 4,
    "purpose": "loan_application",
    "scopes": ["judicial", "tax"],
    "level": "score",
    "window_months": 24,
    "query_cap": 20,
    "authorised_by": "boss",
    "authorised_at": "2026-11-22T06:00:00+00:00",
    "valid_until": "2027-02-20T06:00:00+00:00",
}
EDITS = {
    "consent_id": "cst_9999",
    "credit_code": "91370202MA3C4F6Y24",
    "bank": "另一银行",
    "bank_id": 5,
    "purpose": "renewal",
    "scopes": ["judicial", "tax", "customs"],
    "level": "report",
    "window_months": 12,
    "query_cap": 21,
    "authorised_by": "someone",
    "authorised_at": "2026-11-21T06:00:00+00:00",
    "valid_until": "2028-02-20T06:00:00+00:00",
}


@pytest.fixture
def receipt(tmp_path):
    signer = lab_signer(SigningKeyStore(tmp_path / "key.json"))
    return signer, signer.sign(CONSENT).to_json()


def test_receipt_verifies_offline_from_its_json(receipt) -> None:
    """A receipt needs nothing but itself (and the lab's public key to pin the signer)."""
    signer, body = receipt
    verify_receipt(parse_receipt(body))
    verify_receipt(parse_receipt(body), signer.public_key)


@pytest.mark.parametrize("field", sorted(EDITS))
def test_any_edited_consent_field_fails(receipt, field: str) -> None:
    """Changing any one signed field breaks the signature."""
    _signer, body = receipt
    edited = copy.deepcopy(body)
    edited["consent"][field] = EDITS[field]
    with pytest.raises(IntegrityError):
        verify_receipt(parse_receipt(edited))


def test_added_or_removed_field_fails(receipt) -> None:
    """Adding or dropping a consent field is an edit too."""
    _signer, body = receipt
    added = copy.deepcopy(body)
    added["consent"]["note"] = "x"
    dropped = copy.deepcopy(body)
    del dropped["consent"]["query_cap"]
    for edited in (added, dropped):
        with pytest.raises(IntegrityError):
            verify_receipt(parse_receipt(edited))


def test_another_key_is_refused_when_the_lab_key_is_pinned(receipt, tmp_path) -> None:
    """A receipt re-signed with a forger's key verifies alone but not against the lab's key."""
    signer, _body = receipt
    forger = lab_signer(SigningKeyStore(tmp_path / "forger.json"))
    forged = forger.sign({**CONSENT, "query_cap": 1000}).to_json()
    verify_receipt(parse_receipt(forged))
    with pytest.raises(IntegrityError):
        verify_receipt(parse_receipt(forged), signer.public_key)


def test_swapped_key_id_or_signature_fails(receipt) -> None:
    """The key id must match the key, and the signature must be the one made."""
    _signer, body = receipt
    for field, value in (("key_id", "0" * 16), ("signature", "AAAA")):
        edited = {**body, field: value}
        with pytest.raises(IntegrityError):
            verify_receipt(parse_receipt(edited))


def test_key_file_is_private_and_reused(tmp_path) -> None:
    """The signing key is written 0600 once and the same key is loaded afterwards."""
    first = lab_signer(SigningKeyStore(tmp_path / "k.json"))
    second = lab_signer(SigningKeyStore(tmp_path / "k.json"))
    assert first.public_key == second.public_key
    assert (tmp_path / "k.json").stat().st_mode & 0o777 == 0o600
