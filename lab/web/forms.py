"""The DP-metadata form: its fields by column position, read back into a ``DpDeclaration``.

Column names can hold any character, so the form names its per-column fields by position
(``low_3``, ``high_3``, ``precision_3``, ``domain_3``, ``generated_3``) in the order of the
version's stored profile. ``domain_3`` picks a public code list, ``generated_3`` types a generated
domain (``months:2024-01:2025-12``, ``bins:0:5000000:500000:overflow``, ``list:A,B,C``). Blank
pairs, precisions and domains are left out; the domain object checks the rest against the
version.
"""

from __future__ import annotations

from starlette.datastructures import FormData

from lab.catalogue.versions.dp_metadata import DpDeclaration
from lab.errors import InvalidInput


def _text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _number(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(f"{what}: {text!r} is not a number") from None


def _bounds(form: FormData, columns: list[str]) -> dict[str, tuple[float, float]]:
    bounds = {}
    for index, column in enumerate(columns):
        low, high = _text(form, f"low_{index}"), _text(form, f"high_{index}")
        if low or high:
            if not (low and high):
                raise InvalidInput(f"bounds of {column!r} need both a low and a high value")
            bounds[column] = (_number(low, f"{column} low"), _number(high, f"{column} high"))
    return bounds


def _domain(form: FormData, index: int, column: str) -> str:
    """A column's domain: a public code list chosen, or a generated domain typed, not both."""
    listed, generated = _text(form, f"domain_{index}"), _text(form, f"generated_{index}")
    if listed and generated:
        raise InvalidInput(
            f"{column!r} has both a code list ({listed}) and a generated domain ({generated}); "
            "keep one"
        )
    return listed or generated


def dp_declaration(form: FormData, columns: list[str]) -> DpDeclaration:
    """The declaration a submitted DP-metadata form states for a version with ``columns``."""
    domains = {
        column: domain
        for index, column in enumerate(columns)
        if (domain := _domain(form, index, column))
    }
    max_rows = _text(form, "max_rows_per_unit")
    if not max_rows.isdigit():
        raise InvalidInput("max rows per unit must be a whole number")
    precisions = {
        column: step
        for index, column in enumerate(columns)
        if (step := _text(form, f"precision_{index}"))
    }
    unique = tuple(
        column for index, column in enumerate(columns) if _text(form, f"unique_{index}") == "on"
    )
    return DpDeclaration(
        privacy_unit=_text(form, "privacy_unit"),
        max_rows_per_unit=int(max_rows),
        bounds=_bounds(form, columns),
        domains=domains,
        precisions=precisions,
        unique_per_unit=unique,
    )
