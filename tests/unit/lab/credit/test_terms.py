"""Consent terms check themselves: credit code, scopes, window, validity, cap, score needs."""

from __future__ import annotations

import pytest

from lab.credit.terms import ConsentTerms, check_credit_code
from lab.errors import InvalidInput

CODE = "91370202MA3C4F6Y23"


def terms(**changes):
    values = {"credit_code": CODE, "purpose": "renewal", "scopes": ["tax"], "level": "verify"}
    return ConsentTerms.parse(**{**values, **changes})


def test_defaults_are_24_months_90_days() -> None:
    """Without choices a consent covers 24 months and lasts 90 days."""
    made = terms()
    assert (made.window_months, made.validity_days) == (24, 90)


@pytest.mark.parametrize(
    "changes",
    [
        {"credit_code": CODE[:17] + "0"},
        {"scopes": []},
        {"scopes": ["bank_statements"]},
        {"purpose": "marketing"},
        {"window_months": 36},
        {"validity_days": 0},
        {"validity_days": 367},
        {"query_cap": 0},
        {"level": "score"},
        {"level": "score", "scopes": ["tax"]},
    ],
)
def test_bad_terms_are_refused(changes) -> None:
    """Each malformed term is refused with a message (never open-ended, never unknown scopes)."""
    with pytest.raises(InvalidInput):
        terms(**changes)


def test_score_needs_its_scopes_and_24_months() -> None:
    """A score consent names every scope the score reads, over 24 months."""
    scopes = ["tax", "social_insurance", "utilities", "licences_penalties", "judicial"]
    assert terms(level="score", scopes=scopes).level == "score"
    with pytest.raises(InvalidInput):
        terms(level="score", scopes=scopes, window_months=12)


def test_credit_code_is_normalised() -> None:
    """Spaces and lower case are tolerated; the check character is still checked."""
    assert check_credit_code(" 91370202ma3c4f6y23 ") == CODE
