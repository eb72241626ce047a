"""Render a ``Guide`` as TOML text (the standard library reads TOML but does not write it).

The output is canonical — fixed key order, one entry per table, strings JSON-escaped (a subset of
TOML basic strings) — so an edited guide hashes the same way every time and ``load_guide`` reads it
back into an equal guide. Comments of a hand-written guide are not reproduced.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from classification.guide import Category, CombinationRule, Guide, NegativeEntry


def _string(value: str) -> str:
    """A TOML basic string."""
    return json.dumps(value, ensure_ascii=False)


def _strings(values: Iterable[str]) -> str:
    """A TOML array of basic strings."""
    return "[" + ", ".join(_string(v) for v in values) + "]"


def _category(category: Category) -> list[str]:
    """The ``[[categories]]`` table of one category."""
    lines = [
        "[[categories]]",
        f"code = {_string(category.code)}",
        f"name_zh = {_string(category.name_zh)}",
        f"level = {_string(category.level.value)}",
        f"role = {_string(category.role)}",
        f"header_cues = {_strings(category.header_cues)}",
    ]
    if category.validator is not None:
        lines.append(f"validator = {_string(category.validator)}")
    lines.append(f"min_share = {category.min_share!r}")
    if category.min_share_without_cue is not None:
        lines.append(f"min_share_without_cue = {category.min_share_without_cue!r}")
    return lines


def _combination(rule: CombinationRule) -> list[str]:
    """The ``[[combinations]]`` table of one rule."""
    groups = "[" + ", ".join(_strings(group) for group in rule.groups) + "]"
    return [
        "[[combinations]]",
        f"name = {_string(rule.name)}",
        f"groups = {groups}",
        f"level = {_string(rule.level.value)}",
    ]


def _negative(entry: NegativeEntry) -> list[str]:
    """The ``[[negative_list]]`` table of one entry."""
    return [
        "[[negative_list]]",
        f"kind = {_string(entry.kind)}",
        f"value = {_string(entry.value)}",
        f"reason = {_string(entry.reason)}",
    ]


def render_guide(guide: Guide) -> str:
    """The whole guide as TOML text."""
    blocks = [
        [
            f"version = {_string(guide.version)}",
            f"title = {_string(guide.title)}",
            f"unmatched_level = {_string(guide.unmatched_level.value)}",
        ],
        [
            "[aggregates]",
            f"small_cell_threshold = {guide.small_cell_threshold}",
            f"restricted_level = {_string(guide.aggregate_level.value)}",
        ],
        *(_category(c) for c in guide.categories),
        *(_combination(r) for r in guide.combinations),
        *(_negative(e) for e in guide.negative_list),
    ]
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"
