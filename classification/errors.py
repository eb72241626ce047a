"""The classification package's one error hierarchy: every failure a caller can act on.

``GuideError`` names the guide entry that is wrong; ``GateFailed`` says which de-identification
gate refused a tier lowering and what would make it pass. Anything else raised from this package
is a bug.
"""

from __future__ import annotations


class ClassificationError(Exception):
    """Base of every error the classification package raises on purpose."""


class GuideError(ClassificationError):
    """The guide (TOML text or an edit to it) is malformed; the message names the entry."""


class GateFailed(ClassificationError):
    """A de-identification gate (k-anonymity, l-diversity) refused to let a tier be lowered."""
