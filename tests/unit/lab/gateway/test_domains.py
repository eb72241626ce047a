"""Generated public domains: each kind parses, counts and labels its groups from parameters."""

from __future__ import annotations

import time

import pytest

from lab.errors import InvalidInput
from lab.gateway.domains import (
    ExplicitList,
    NumericBins,
    PeriodRange,
    PeriodUnit,
    check_size,
    is_generated,
    outside_note,
    parse_domain,
)


@pytest.mark.parametrize(
    ("spec", "size", "first", "last"),
    [
        ("months:2024-11:2026-10", 24, "2024-11", "2026-10"),
        ("quarters:2024-Q3:2025-Q2", 4, "2024-Q3", "2025-Q2"),
        ("years:2020:2025", 6, "2020", "2025"),
        ("days:2024-02-27:2024-03-01", 4, "2024-02-27", "2024-03-01"),
        ("bins:0:5000000:500000:overflow", 11, "[0, 500000)", "> 5000000"),
        ("bins:-10:10:5", 4, "[-10, -5)", "[5, 10]"),
        ("list:A,B,C", 3, "A", "C"),
    ],
)
def test_each_kind_counts_and_labels_its_groups(spec: str, size: int, first: str, last: str):
    """Size by arithmetic equals the labels made; the spec round-trips."""
    domain = parse_domain(spec)
    labels = domain.labels()
    assert domain.size == len(labels) == size == len(set(labels))
    assert (labels[0], labels[-1]) == (first, last)
    assert domain.spec == spec and parse_domain(domain.spec) == domain
    assert is_generated(spec)


def test_leap_day_and_month_order() -> None:
    """Days follow the calendar (2024 is a leap year); months run in time order across years."""
    assert parse_domain("days:2024-02-28:2024-03-01").labels() == (
        "2024-02-28",
        "2024-02-29",
        "2024-03-01",
    )
    assert parse_domain("months:2024-12:2025-02").labels() == ("2024-12", "2025-01", "2025-02")


def test_bins_of_a_fixed_point_column_are_in_stored_units() -> None:
    """At precision 0.1 the edges are stored ×10 and labelled in the declared unit; the last bin
    holds its top edge, the overflow bin what lies above."""
    bins = parse_domain("bins:0:1.5:0.5:overflow", scale=10)
    assert bins == NumericBins(0, 15, 5, True, 10)
    assert bins.labels() == ("[0, 0.5)", "[0.5, 1)", "[1, 1.5]", "> 1.5")
    with pytest.raises(InvalidInput, match="whole multiple of the column's precision"):
        parse_domain("bins:0:1:0.25", scale=10)


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("months:2024-13:2025-01", "not a period of months"),
        ("months:2025-01:2024-12", "ends before it starts"),
        ("months:2024-01", "months:FIRST:LAST"),
        ("days:2023-02-29:2023-03-01", "not a calendar day"),
        ("quarters:2024-Q5:2025-Q1", "not a period of quarters"),
        ("bins:0:10:3", "whole number of steps"),
        ("bins:10:0:5", "LOW must be below HIGH"),
        ("bins:0:10", "bins:LOW:HIGH:STEP"),
        ("bins:0:x:1", "not a number"),
        ("bins:0:9223372036854775807:1", "within ±"),
        ("list:A,,B", "distinct, non-empty"),
        ("list:A,A", "distinct, non-empty"),
        ("weeks:2024-01:2024-02", "not a generated domain"),
    ],
)
def test_malformed_domains_are_refused_with_the_reason(spec: str, reason: str) -> None:
    """Every malformed declaration is an InvalidInput saying what to write instead."""
    with pytest.raises(InvalidInput, match=reason):
        parse_domain(spec)


def test_a_huge_domain_is_refused_by_arithmetic_without_making_it() -> None:
    """A day range over eight millennia and 10¹⁸ bins are sized and refused in microseconds."""
    started = time.perf_counter()
    days = parse_domain("days:0001-01-01:9999-12-31")
    bins = parse_domain("bins:0:1000000000000000000:1")
    assert days.size == 3_652_059 and bins.size == 10**18
    for domain in (days, bins):
        with pytest.raises(InvalidInput, match="more than the 100,000 a domain may hold"):
            check_size(domain, "所属期", 100_000)
    assert time.perf_counter() - started < 0.1
    check_size(parse_domain("days:2000-01-01:2099-12-31"), "日期", 100_000)  # 36,525 fit


def test_code_list_names_are_not_generated_domains() -> None:
    """A public code list's name has no kind prefix, so it stays a code list."""
    assert not is_generated("qingdao_district_name")
    assert not is_generated("months")


def test_notes_name_the_declaration_not_the_data() -> None:
    """The note on a key says values outside its domain are in no group, from metadata only."""
    months = PeriodRange(PeriodUnit.MONTHS, 2024 * 12, 2024 * 12 + 11)
    assert outside_note("所属期", months) == (
        '"所属期": values outside its declared domain (months 2024-01 … 2024-12 (12)) '
        "are in no group"
    )
    assert "values not in its declared domain (list of 2 values)" in outside_note(
        "k", ExplicitList(("a", "b"))
    )
    assert outside_note("所属区", None) == (
        '"所属区": values not in its public code list are in no group'
    )
