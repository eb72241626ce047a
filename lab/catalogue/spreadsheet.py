"""Cells that a spreadsheet would run as formulas, defused before they reach a CSV or XLSX file.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a formula
by Excel, LibreOffice and WPS (CSV injection). Such text gets a leading apostrophe, which those
programs show as a plain-text marker; a plain number such as ``-3.5`` or ``+86`` is left alone,
since it cannot run anything and changing it would corrupt numeric data.
"""

from __future__ import annotations

import re

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def defuse_cell(text: str) -> str:
    """``text`` made safe to open in a spreadsheet (unchanged unless it could run as a formula)."""
    if text.startswith(_TRIGGERS) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text
