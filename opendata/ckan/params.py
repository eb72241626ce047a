"""CKAN's loose parameters: ``rows="5"``, booleans as text, JSON lists in query strings.

CKAN clients send numbers as strings, lists as JSON text (``facet.field=["tags"]``) or
repeated keys, and keys an action does not know; all of that is accepted. A value that cannot
be read is a Validation Error naming the parameter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from opendata.ckan.errors import validation

_TRUE = ("true", "1", "yes", "on", "t", "y")
_FALSE = ("false", "0", "no", "off", "f", "n", "")


def whole(
    params: Mapping[str, object], name: str, default: int, *, maximum: int | None = None
) -> int:
    """A non-negative integer parameter (``"5"`` or ``5``), cut to ``maximum``."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(str(raw).strip()) if not isinstance(raw, bool) else None
    except ValueError:
        value = None
    if value is None or value < 0:
        raise validation(name, "Must be a natural number")
    return min(value, maximum) if maximum is not None else value


def flag(params: Mapping[str, object], name: str, default: bool) -> bool:
    """A yes/no parameter (true/false, 1/0, yes/no, on/off); a validation error otherwise."""
    raw = params.get(name)
    if raw is None:
        return default
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise validation(name, "Must be a boolean (true or false)")


def text(params: Mapping[str, object], name: str, default: str = "") -> str:
    """A text parameter; a validation error for a list or an object."""
    raw = params.get(name)
    if raw is None:
        return default
    if isinstance(raw, list | dict):
        raise validation(name, "Must be a string")
    return str(raw)


def listing(params: Mapping[str, object], name: str) -> list[str]:
    """A list given as a list, JSON text (``["a","b"]``) or comma-separated text."""
    raw = params.get(name)
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        stripped = raw.strip()
        if stripped.startswith("["):
            raw = _json(name, stripped)
        else:
            return [part.strip() for part in stripped.split(",") if part.strip()]
    if not isinstance(raw, list) or not all(isinstance(v, str | int | float) for v in raw):
        raise validation(name, "Must be a list of strings")
    return [str(v) for v in raw]


def mapping(params: Mapping[str, object], name: str) -> dict[str, object]:
    """An object given as an object or as JSON text."""
    raw = params.get(name)
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):
        raw = _json(name, raw)
    if not isinstance(raw, dict):
        raise validation(name, "Must be a JSON object")
    return raw


def _json(name: str, raw: str) -> object:
    try:
        return json.loads(raw)
    except ValueError:
        raise validation(name, "Could not parse as valid JSON") from None
