"""Cells that a spreadsheet would run as formulas, defused before they reach a CSV or XLSX file.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a formula
by Excel, LibreOffice and WPS (CSV injection). Such text gets a leading apostrophe, which those
programs show as a plain-text marker; a plain number such as ``-3.5`` or ``+86`` is left alone,
since it cannot run anything and changing it would corrupt numeric data. ``defuse_sql`` states
the same rule for files the database engine writes.
"""

from __future__ import annotations

import re

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_PATTERN = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_PLAIN_NUMBER = re.compile(_NUMBER_PATTERN)
_TRIGGER_CLASS = r"^[=+@\t\r-]"


def defuse_cell(text: str) -> str:
    """``text`` made safe to open in a spreadsheet (unchanged unless it could run as a formula)."""
    if text.startswith(_TRIGGERS) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def defuse_sql(expression: str) -> str:
    """``defuse_cell`` as a DuckDB SQL expression over the text ``expression``."""
    apostrophe = "''''"  # a SQL string literal holding one apostrophe
    return (
        f"CASE WHEN regexp_matches({expression}, '{_TRIGGER_CLASS}') "
        f"AND NOT regexp_matches({expression}, '{_NUMBER_PATTERN}') "
        f"THEN {apostrophe} || {expression} ELSE {expression} END"
    )
