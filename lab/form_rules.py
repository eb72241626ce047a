"""The rules people's form entries must meet, each stated once.

A ``TextRule`` is the single source of a field's rule: the hint a form shows beside the field
before submission (中文 and English), the HTML attributes the browser checks (``minlength``,
``maxlength``, ``pattern``) and the check the server makes. Pages and domain objects read the
same constant, so the hint cannot say one thing while the server enforces another.

A broken rule is a ``RuleBreach`` (its explanation in both languages); a form with breaches
raises ``FormInvalid``, an ``InvalidInput`` that also names the field of each breach, so a page
can show each explanation next to its field and keep what was entered.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass

from lab.errors import InvalidInput

# A separator people type inside a telephone number (space or dash); written with ``\-`` and
# ``[0-9]`` so the pattern means the same in Python and in a browser's ``pattern`` (JS ``v``).
_SEP = r"[\s\-]*"
_MOBILE = rf"1{_SEP}[3-9](?:{_SEP}[0-9]){{9}}"
# Area codes: 010 and 020–029 have three digits, all others four; local numbers have 7 or 8
# digits and never start with 0 or 1.
_AREA = rf"0{_SEP}(?:[12]{_SEP}[0-9]|[3-9](?:{_SEP}[0-9]){{2}})"
_LANDLINE = rf"{_AREA}{_SEP}[2-9](?:{_SEP}[0-9]){{6,7}}"
PHONE_PATTERN = rf"{_SEP}(?:{_MOBILE}|{_LANDLINE}){_SEP}"
EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[^@\s]+"


@dataclass(frozen=True)
class RuleBreach:
    """Why one entry breaks its rule, in both languages."""

    zh: str
    en: str

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class TextRule:
    """What one text field must hold: length in characters (after trimming), an optional
    whole-value pattern, and the hint stating it (中文, English)."""

    hint_zh: str
    hint_en: str
    min_chars: int = 0
    max_chars: int | None = None
    pattern: str | None = None
    required: bool = True

    def __post_init__(self) -> None:
        if self.max_chars is not None and self.max_chars < self.min_chars:
            raise ValueError("a rule's max_chars is below its min_chars")

    def hint(self, lang: str) -> str:
        """The rule as the form states it beside the field."""
        return self.hint_en if lang == "en" else self.hint_zh

    def html_attributes(self) -> str:
        """The same rule as HTML attributes for the field's ``<input>`` or ``<textarea>``."""
        parts = ["required"] if self.required else []
        if self.min_chars:
            parts.append(f'minlength="{self.min_chars}"')
        if self.max_chars is not None:
            parts.append(f'maxlength="{self.max_chars}"')
        if self.pattern is not None:
            parts.append(f'pattern="{html.escape(self.pattern)}"')
        return " ".join(parts)

    def breach(self, value: str) -> RuleBreach | None:
        """Why ``value`` breaks the rule, or None when it keeps it."""
        text = value.strip()
        if not text:
            return RuleBreach("必填", "Required") if self.required else None
        too_short = len(text) < self.min_chars
        too_long = self.max_chars is not None and len(text) > self.max_chars
        if too_short or too_long or not self._matches(text):
            return RuleBreach(self.hint_zh, self.hint_en)
        return None

    def _matches(self, text: str) -> bool:
        return self.pattern is None or re.fullmatch(self.pattern, text) is not None


FILLED = TextRule("必填", "Required")
PHONE = TextRule(
    "手机号（如 138 0000 0000）或带区号的固定电话（如 0532-88886666）",
    "Mobile (e.g. 138 0000 0000) or landline with area code (e.g. 0532-88886666)",
    max_chars=30,
    pattern=PHONE_PATTERN,
)


def normalised_phone(value: str) -> str:
    """A phone number that keeps ``PHONE``, written one way: ``13800000000`` or
    ``0532-88886666`` (spaces and dashes people typed are dropped, the area code split off)."""
    digits = re.sub(r"[\s\-]", "", value)
    if digits.startswith("1"):
        return digits
    area = 3 if digits[1] in "12" else 4
    return f"{digits[:area]}-{digits[area:]}"


SEE_THE_FIELDS = RuleBreach(
    "有几项需要修改，请看各项旁的说明。", "Some entries need correcting: see the notes beside them."
)


class FormInvalid(InvalidInput):
    """A submitted form broke field rules; ``breaches`` maps each field to why.

    ``summary`` says it for the top of the page in both languages; the message (the one error
    shape's text, for API clients and logs) is the Chinese summary with each field's breach.
    """

    def __init__(self, breaches: Mapping[str, RuleBreach], summary: RuleBreach | None = None):
        self.summary = summary or SEE_THE_FIELDS
        self.breaches = dict(breaches)
        listed = "；".join(f"{name}：{breach.zh}" for name, breach in self.breaches.items())
        super().__init__(f"{self.summary.zh}（{listed}）" if summary is None else self.summary.zh)


def breaches_of(rules: Mapping[str, TextRule], values: Mapping[str, str]) -> dict[str, RuleBreach]:
    """Each field of ``rules`` whose value in ``values`` breaks its rule, with why."""
    found = {name: rule.breach(values.get(name, "")) for name, rule in rules.items()}
    return {name: breach for name, breach in found.items() if breach is not None}
