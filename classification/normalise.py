"""Bring cell values and headers into one comparable form before anything is validated.

* NFKC first: full-width digits and letters (１３８…, ＡＢＣ) become ASCII, so one regex fits all;
* float-corruption repair: ``13812345678.0`` (an integer column that pandas read as float because
  of one blank) becomes ``13812345678``; scientific notation whose mantissa still holds every
  digit (``1.3812345678e+10``) is rewritten exactly;
* scientific notation that lost digits (``3.70202199001011e+17``: an 18-digit ID squeezed into a
  float) is NOT repairable — ``float_corruption`` reports its length and the digits that survive,
  which is still evidence of an identifier column;
* mojibake from a GBK/UTF-8 mix-up (a GBK file read as Latin-1 …) undone in headers and values
  when the repaired text is certain; headers also lose a BOM.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_INTEGRAL_FLOAT = re.compile(r"(\d+)\.0+")
_SCIENTIFIC = re.compile(r"(\d)(?:\.(\d+))?[eE]\+?(\d{1,2})")
_SEPARATORS = re.compile(r"[\s\-·.]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN1_HIGH = re.compile(r"[\x80-\xff]")
_MOJIBAKE_ROUTES = (
    ("latin-1", "utf-8"),
    ("latin-1", "gb18030"),
    ("cp1252", "utf-8"),
    ("cp1252", "gb18030"),
    ("gb18030", "utf-8"),
)
"""(how the bytes were wrongly decoded, how they should have been), most certain first."""


@dataclass(frozen=True)
class FloatCorruption:
    """A number printed in scientific notation after its digits no longer fit a float."""

    known_digits: str
    length: int

    @property
    def repairable(self) -> bool:
        """True when every digit survived (the mantissa is as long as the number)."""
        return len(self.known_digits) == self.length


def normalise_value(value: str) -> str:
    """Mojibake undone, NFKC, outer whitespace stripped, integral floats and exact scientific
    notation repaired."""
    if value.isascii():
        text = value.strip()
    else:
        repaired = repair_mojibake(value) if _LATIN1_HIGH.search(value) else value
        text = unicodedata.normalize("NFKC", repaired).strip()
    if "." not in text and "e" not in text.lower():
        return text
    integral = _INTEGRAL_FLOAT.fullmatch(text)
    if integral:
        return integral.group(1)
    corruption = float_corruption(text)
    if corruption is not None and corruption.repairable:
        return corruption.known_digits
    return text


def compact(value: str) -> str:
    """``normalise_value`` without inner spaces, hyphens or dots, upper-cased (``x`` → ``X``)."""
    return _SEPARATORS.sub("", normalise_value(value)).upper()


def float_corruption(text: str) -> FloatCorruption | None:
    """The surviving digits and true length of a big number in scientific notation, else None.

    Only whole numbers of 10 or more digits count: below that a float keeps them exactly and
    pandas does not switch to scientific notation. Every printed mantissa digit is known (zeros
    included); the digits beyond it are lost.
    """
    match = _SCIENTIFIC.fullmatch(text)
    if match is None or int(match.group(3)) < 9:
        return None
    digits, exponent = match.group(1) + (match.group(2) or ""), int(match.group(3))
    if digits[exponent + 1 :].strip("0"):
        return None
    return FloatCorruption(known_digits=digits[: exponent + 1], length=exponent + 1)


def normalise_header(name: object) -> str:
    """A column header as text: GBK/UTF-8 mojibake undone (before NFKC, which would mangle it),
    BOM and outer spaces gone, NFKC applied."""
    repaired = repair_mojibake(str(name)).replace("\ufeff", "")
    return unicodedata.normalize("NFKC", repaired).strip()


def repair_mojibake(text: str) -> str:
    """Undo a wrong decoding (GBK or UTF-8 bytes read as Latin-1/cp1252, UTF-8 read as GBK).

    A candidate is accepted only if re-encoding and decoding both succeed strictly and change
    the text, and the result must contain Chinese. Correct Chinese text cannot be encoded as
    Latin-1; its GBK bytes are sometimes valid UTF-8 (``住址`` reads as Hebrew points), which
    the Chinese-result check refuses, so it is left alone.
    """
    for wrong, right in _MOJIBAKE_ROUTES:
        try:
            repaired = text.encode(wrong).decode(right)
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if repaired != text and _CJK.search(repaired):
            return repaired
    return text
