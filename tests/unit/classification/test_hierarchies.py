"""Generalisation hierarchies: each kind's labels, the defaults per category, malformed files."""

from __future__ import annotations

import pytest

from classification import GuideError, load_guide
from classification.hierarchies import STAR, load_hierarchies

HS = load_hierarchies()
BY_NAME = {h.name: h for h in HS.hierarchies}


@pytest.mark.parametrize(
    ("name", "value", "labels"),
    [
        ("birth_date", "1987-06-15", ["1987-06-15", "1987-06", "1987", "1985-1989", "1980-1989"]),
        (
            "birth_date",
            "1987年6月15日",
            ["1987-06-15", "1987-06", "1987", "1985-1989", "1980-1989"],
        ),
        ("age", "37", ["37", "35-39", "30-39", "20-39"]),
        ("gender", "女", ["女", STAR]),
        ("street", "八大关街道", ["八大关街道", "市南区", "青岛市"]),
        ("address", "青岛市李沧区李村街道京口路8号", ["李村街道", "李沧区", "青岛市"]),
        ("postcode", "266071", ["266071", "2660**", "26****"]),
        ("industry", "6513", ["6513", "65", "I"]),
        ("phone_prefix", "138****5678", ["138********", STAR]),
    ],
)
def test_each_level_of_each_kind(name: str, value: str, labels: list[str]) -> None:
    """A value's label at every level, finest first (and ``*`` above a top-flagged hierarchy)."""
    hierarchy = BY_NAME[name]
    assert [HS.generalise(hierarchy, value, lvl) for lvl in range(len(labels))] == labels


def test_unreadable_values_become_star_and_nulls_stay_null() -> None:
    """A date that is not a date is ``*`` (a value of the hierarchy); a null stays null."""
    birth = BY_NAME["birth_date"]
    assert HS.generalise(birth, "unknown", 2) == STAR
    assert HS.generalise(birth, None, 2) is None
    assert HS.generalise(BY_NAME["street"], "不存在街道", 1) == STAR


def test_every_quasi_identifier_category_has_a_default() -> None:
    """Each quasi-identifier category of the guide has its own hierarchy."""
    codes = [c.code for c in load_guide().categories if c.role == "quasi_identifier"]
    missing = [code for code in codes if HS.for_column("x", code) is None]
    assert missing == []


def test_header_cues_and_sensitive_cues() -> None:
    """Postcodes and industry codes are found by header; income is sensitive."""
    assert HS.for_column("邮政编码", "UNMATCHED").name == "postcode"
    assert HS.for_column("行业代码", "ENTERPRISE_REGISTER_FIELD").name == "industry"
    assert HS.is_sensitive("月收入") and not HS.is_sensitive("就业状态")


def test_steward_bins() -> None:
    """A steward-added bins hierarchy labels numbers by its edges."""
    text = HS.text + (
        '\n[[hierarchies]]\nname = "income_bins"\ncues = ["月收入区间"]\nkind = "bins"\n'
        "levels = [[0, 3000, 5000, 8000], [0, 5000]]\n"
    )
    edited = load_hierarchies(text)
    bins = edited.for_column("月收入区间", "UNMATCHED")
    assert [edited.generalise(bins, "4200", lvl) for lvl in (0, 1)] == ["3000-5000", "0-5000"]
    assert edited.generalise(bins, "9000", 0) == "≥8000"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('kind = "date"', 'kind = "calendar"'), "kind must be one of"),
        (("levels = [6, 4, 2]\n", 'levels = [6, "x"]\n'), "positive integers"),
        (('\nname = "suppress_only"', '\nname = "hide"'), "suppress_only"),
        (('version = "2026.1-h1"', "version = 1"), "version string"),
        (('name = "age"', 'name = "age"\nbogus = 1'), "unknown keys"),
        (('cues = ["邮编"', 'cues = [3, "邮编"'), "are strings"),
        (
            ('[region]\ncity = "青岛市"', 'region = 5\n[x]\ncity = "青岛市"'),
            "malformed|unknown keys",
        ),
        (("first = 1\n", 'first = "one"\n'), "malformed"),
    ],
)
def test_malformed_hierarchies_are_refused(change: tuple[str, str], message: str) -> None:
    """A malformed edit is refused with a GuideError naming the problem."""
    old, new = change
    assert old in HS.text
    with pytest.raises(GuideError, match=message):
        load_hierarchies(HS.text.replace(old, new, 1))
