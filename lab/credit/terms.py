"""The terms of a consent as a value object that validates itself (DESIGN §8)."""

from __future__ import annotations

from dataclasses import dataclass

from classification.checksums import is_valid_uscc
from lab.credit.vocabulary import Level, Purpose, Scope, parse
from lab.errors import InvalidInput

DEFAULT_WINDOW_MONTHS = 24
WINDOW_CHOICES = (12, 24)
DEFAULT_VALIDITY_DAYS = 90
MAX_VALIDITY_DAYS = 366
DEFAULT_QUERY_CAP = 20
MAX_QUERY_CAP = 1000
SCORE_SCOPES = frozenset(
    {Scope.TAX, Scope.SOCIAL_INSURANCE, Scope.UTILITIES, Scope.LICENCES_PENALTIES, Scope.JUDICIAL}
)
"""The scopes the scorecard reads: a score or report needs all of them consented."""


def check_credit_code(code: str) -> str:
    """``code`` (trimmed, upper-cased) if its GB 32100 check character holds; refused otherwise."""
    normalised = code.strip().upper()
    if not is_valid_uscc(normalised):
        raise InvalidInput("the credit code is not 18 characters with a valid check character")
    return normalised


@dataclass(frozen=True)
class ConsentTerms:
    """What an enterprise authorises one bank to read, for how long and how often."""

    credit_code: str
    purpose: Purpose
    scopes: frozenset[Scope]
    level: Level
    window_months: int = DEFAULT_WINDOW_MONTHS
    validity_days: int = DEFAULT_VALIDITY_DAYS
    query_cap: int = DEFAULT_QUERY_CAP

    def __post_init__(self) -> None:
        object.__setattr__(self, "credit_code", check_credit_code(self.credit_code))
        if not self.scopes:
            raise InvalidInput("a consent needs at least one data scope")
        if self.window_months not in WINDOW_CHOICES:
            raise InvalidInput(f"the data window is one of {WINDOW_CHOICES} months")
        if not 1 <= self.validity_days <= MAX_VALIDITY_DAYS:
            raise InvalidInput(
                f"validity is 1–{MAX_VALIDITY_DAYS} days (at most a year, never open-ended)"
            )
        if not 1 <= self.query_cap <= MAX_QUERY_CAP:
            raise InvalidInput(f"the query cap is 1–{MAX_QUERY_CAP}")
        if self.level.rank >= Level.SCORE.rank:
            self._check_score_terms()

    def _check_score_terms(self) -> None:
        """The score reads 24 months of the score scopes, so a score consent must allow them."""
        missing = SCORE_SCOPES - self.scopes
        if missing:
            names = ", ".join(sorted(missing))
            raise InvalidInput(
                f"a {self.level} consent also needs the scopes the score reads: {names}"
            )
        if self.window_months != DEFAULT_WINDOW_MONTHS:
            raise InvalidInput(
                f"a {self.level} consent needs the {DEFAULT_WINDOW_MONTHS}-month window"
            )

    @classmethod
    def parse(
        cls,
        *,
        credit_code: str,
        purpose: str,
        scopes: list[str],
        level: str,
        window_months: int = DEFAULT_WINDOW_MONTHS,
        validity_days: int = DEFAULT_VALIDITY_DAYS,
        query_cap: int = DEFAULT_QUERY_CAP,
    ) -> ConsentTerms:
        """Terms from their text form (a form or a JSON body), each value checked."""
        return cls(
            credit_code,
            parse(Purpose, purpose),
            frozenset(parse(Scope, s) for s in scopes),
            parse(Level, level),
            window_months,
            validity_days,
            query_cap,
        )

    def sorted_scopes(self) -> list[str]:
        return sorted(s.value for s in self.scopes)
