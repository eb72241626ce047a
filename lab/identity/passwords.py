"""Password hashing with argon2id; plain passwords are never stored or logged."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from lab.errors import InvalidInput
from lab.form_rules import TextRule

MIN_LENGTH = 10
PASSWORD_RULE = TextRule(
    f"至少 {MIN_LENGTH} 位", f"At least {MIN_LENGTH} characters", min_chars=MIN_LENGTH
)
_hasher = PasswordHasher()
# A fixed hash to verify against when the user does not exist, so both paths cost the same.
_DUMMY_HASH = _hasher.hash("city-data-lab-timing-equaliser")


def hash_password(password: str) -> str:
    """The stored hash of a new password; InvalidInput if it is too short."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; spends the same work when there is no stored hash."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
