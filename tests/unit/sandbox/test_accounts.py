"""Unix names of sandbox users: prefixed, valid, short and unique."""

from __future__ import annotations

import re

from sandbox.accounts import unix_name

VALID = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")


def test_plain_names_keep_their_spelling() -> None:
    """A short lab username maps to cdl-<name>."""
    assert unix_name("analyst") == "cdl-analyst"


def test_altered_or_long_names_stay_valid_and_distinct() -> None:
    """Dots and long names get a hash suffix: valid, at most 32 characters, no collisions."""
    names = ["a.b", "a-b", "x" * 64, "x" * 63 + "y", "Zhang.San"]
    mapped = [unix_name(n) for n in names]
    assert all(VALID.match(m) for m in mapped), mapped
    assert len(set(mapped)) == len(names)
