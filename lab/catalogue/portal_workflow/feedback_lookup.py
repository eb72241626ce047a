"""Reading the answer to a feedback note by its number and the lookup code given at submission.

The code is random (80 bits, shown once, in four groups of four letters and digits); only its
SHA-256 is kept, on the note's row; the submission's audit entry (``feedback.submit``) records
the note, not the hash. A lookup compares hashes in constant time, and an unknown
number is checked against a stand-in hash, so a wrong code and an unknown number are answered
alike: the answer tells nobody which numbers exist.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from lab.audit import AuditLog
from lab.db.models import PortalFeedback
from lab.errors import NotFound
from lab.form_rules import RuleBreach, TextRule

SUBMIT_ACTION = "feedback.submit"
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to copy by hand
_CODE_LENGTH = 16
_GROUP = 4
_STAND_IN = hashlib.sha256(b"no such feedback").hexdigest()
NO_MATCH = RuleBreach("编号或查询码不正确。", "The number or the lookup code is wrong.")
LOOKUP_RULES = {
    "number": TextRule(
        "提交时页面上给出的编号（数字）",
        "The number shown when the note was sent (digits)",
        max_chars=9,  # within the 32-bit id column: longer numbers are refused, not looked up
        pattern="[0-9]+",
    ),
    "code": TextRule(
        f"提交时给出的 {_CODE_LENGTH} 位查询码，如 ABCD-EFGH-JKLM-NPQR（不区分大小写）",
        f"The {_CODE_LENGTH}-character lookup code given then, e.g. ABCD-EFGH-JKLM-NPQR (any case)",
        max_chars=40,
        pattern=r"[A-Za-z0-9\s\-]+",
    ),
}


@dataclass(frozen=True)
class LookupCode:
    """A fresh lookup code: its text (shown once to the writer) and the hash that is kept."""

    text: str

    @classmethod
    def mint(cls) -> LookupCode:
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))
        return cls("-".join(raw[i : i + _GROUP] for i in range(0, _CODE_LENGTH, _GROUP)))

    @property
    def digest(self) -> str:
        return code_digest(self.text)


def code_digest(text: str) -> str:
    """The SHA-256 of a code as typed, ignoring case, spaces and dashes."""
    return hashlib.sha256(re.sub(r"[\s\-]", "", text).upper().encode()).hexdigest()


def record_lookup_code(session: Session, audit: AuditLog, row: PortalFeedback) -> LookupCode:
    """Mint the code of a just-stored note, keep its hash on the row and audit the submission."""
    code = LookupCode.mint()
    row.lookup_sha256 = code.digest
    audit.append_in(
        session,
        actor="portal-visitor",
        action=SUBMIT_ACTION,
        target=f"feedback:{row.id}",
        details={"kind": row.kind, "dataset": row.dataset_slug},
    )
    return code


def look_up(session: Session, *, number: int, code: str) -> PortalFeedback:
    """The note ``number`` if ``code`` is its lookup code; NotFound alike for a wrong code and
    a number that does not exist."""
    row = session.get(PortalFeedback, number)
    stored = row.lookup_sha256 if row is not None else None
    if not hmac.compare_digest(stored or _STAND_IN, code_digest(code)) or row is None:
        raise NotFound(NO_MATCH.zh)
    return row
