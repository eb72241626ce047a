"""The one canonical JSON form the lab signs: RFC 8785 (JSON Canonicalization Scheme).

Anyone can recompute the exact signed bytes with a stock JCS library (``rfc8785`` on PyPI,
``canonicalize`` on npm, …): sorted keys by UTF-16 code units, no insignificant whitespace,
ECMAScript number formatting, UTF-8.
"""

from __future__ import annotations

from typing import Any

import rfc8785

from lab.errors import InvalidInput


def canonical_json(value: Any) -> bytes:
    """``value`` as RFC 8785 canonical JSON bytes; InvalidInput if JSON cannot hold it."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError) as problem:
        raise InvalidInput(f"not canonical JSON: {problem}") from None
