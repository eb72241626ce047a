"""The kind of privacy unit a restricted dataset protects, so datasets sharing it are grouped.

A dataset's DP metadata names its privacy-unit *column* (``统一社会信用代码``, ``纳税人识别号``,
``公民身份号码``…); the same enterprise or person may be keyed by differently named columns. The
*kind* is read from the classifier's finding for that column, made from the values themselves:

* a column the classifier recognised as an identifier category (``ENTERPRISE_ID`` for the credit
  code, ``RESIDENT_ID`` for the resident ID, ``MOBILE``…) gives ``category:<code>`` — every
  dataset keyed by credit codes is one group, whatever its column is called;
* any other column (a pseudonym, an in-house key) gives ``column:<name>`` — datasets are grouped
  only when the steward declared the same column name, so a shared pseudonym should keep one name.

Over-grouping only costs utility; under-grouping would let one organisation's budgets add up, so
when in doubt the steward names the unit columns alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CATEGORY = "category:"
COLUMN = "column:"


def privacy_unit_kind(classification: Mapping[str, Any], unit_column: str) -> str:
    """The unit kind of a version whose classification is ``classification`` (its JSON form)."""
    for column in classification.get("columns", ()):
        if column.get("name") == unit_column and column.get("category"):
            return f"{CATEGORY}{column['category']}"
    return f"{COLUMN}{unit_column}"
