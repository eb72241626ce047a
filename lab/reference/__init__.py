"""Public code lists: the only source of public domains for DP group keys.

A group key's domain must come from a published list, never from the restricted data (keys read
off the data would reveal who is in it). Each list is registered here under a stable name that
dataset metadata refers to.

Modules:

* ``regions``: Qingdao's 10 districts (GB/T 2260 codes 3702xx), their centres and some 街道.
* ``industries``: GB/T 4754-2017 sections A–T, the 2-digit divisions the demo uses and the
  sections those divisions fall in.

Public: ``PUBLIC_CODE_LISTS`` (name → codes), ``public_code_list(name)``, ``TAX_CREDIT_GRADES``,
``CODE_LABELS`` (name → code → label, for the lists whose codes stand for names) and
``code_labels(name)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from lab.reference.industries import (
    DEMO_DIVISION_CODES,
    DEMO_DIVISIONS,
    DEMO_SECTION_CODES,
    SECTION_CODES,
    SECTIONS,
)
from lab.reference.regions import DISTRICT_CODES, DISTRICT_NAMES, DISTRICTS

TAX_CREDIT_GRADES: tuple[str, ...] = ("A", "B", "M", "C", "D")
"""纳税信用等级 as published by the State Taxation Administration (too short for its own module)."""

PUBLIC_CODE_LISTS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "qingdao_district_name": DISTRICT_NAMES,
        "qingdao_district_code": DISTRICT_CODES,
        "gb4754_section": SECTION_CODES,
        "gb4754_demo_division": DEMO_DIVISION_CODES,
        "gb4754_demo_section": DEMO_SECTION_CODES,
        "tax_credit_grade": TAX_CREDIT_GRADES,
    }
)


def public_code_list(name: str) -> tuple[str, ...]:
    """The codes of the public list registered as ``name``; ``KeyError`` lists the known names."""
    try:
        return PUBLIC_CODE_LISTS[name]
    except KeyError:
        known = ", ".join(sorted(PUBLIC_CODE_LISTS))
        raise KeyError(f"{name!r} is not a public code list; known lists: {known}") from None


CODE_LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "qingdao_district_code": MappingProxyType({d.code: d.name for d in DISTRICTS}),
        "gb4754_section": MappingProxyType({s.code: s.name for s in SECTIONS}),
        "gb4754_demo_division": MappingProxyType({d.code: d.name for d in DEMO_DIVISIONS}),
    }
)
"""The public lists whose codes stand for names (行业门类 F → 批发和零售业), code → label."""


def code_labels(name: str) -> Mapping[str, str]:
    """The labels of the codes of list ``name``; ``KeyError`` lists the labelled lists."""
    try:
        return CODE_LABELS[name]
    except KeyError:
        known = ", ".join(sorted(CODE_LABELS))
        raise KeyError(f"{name!r} has no code labels; labelled lists: {known}") from None
