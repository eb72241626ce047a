"""The public code lists behind DP group keys: Qingdao's districts and GB/T 4754 industries.

(These cover ``lab/reference``; they live here until a ``tests/unit/lab/reference`` exists.)
"""

from __future__ import annotations

import pytest

from lab.reference import PUBLIC_CODE_LISTS, public_code_list
from lab.reference.industries import (
    DEMO_DIVISIONS,
    SECTIONS,
    demo_division,
    section_of_division,
)
from lab.reference.regions import DISTRICTS, District, district_by_code, district_by_name

EXPECTED_DISTRICTS = {
    "370202": "市南区",
    "370203": "市北区",
    "370211": "黄岛区",
    "370212": "崂山区",
    "370213": "李沧区",
    "370214": "城阳区",
    "370215": "即墨区",
    "370281": "胶州市",
    "370283": "平度市",
    "370285": "莱西市",
}


def test_the_ten_districts_and_their_codes() -> None:
    """Exactly Qingdao's ten divisions with their GB/T 2260 codes, each with some 街道."""
    assert {d.code: d.name for d in DISTRICTS} == EXPECTED_DISTRICTS
    assert all(len(d.streets) >= 3 for d in DISTRICTS)
    assert district_by_code("370212").name == "崂山区"
    assert district_by_name("莱西市").code == "370285"


def test_unknown_district_lookups_name_the_problem() -> None:
    """Looking up a code or name that is not Qingdao's says which one."""
    with pytest.raises(KeyError, match="370101"):
        district_by_code("370101")
    with pytest.raises(KeyError, match="历下区"):
        district_by_name("历下区")


def test_district_refuses_codes_and_points_outside_qingdao() -> None:
    """A district is validated on creation: code 3702xx, centre in the box, 街道 names."""
    with pytest.raises(ValueError, match="3702xx"):
        District("370102", "历下区", "Lixia", (117.0, 36.6), ("解放路街道",))
    with pytest.raises(ValueError, match="bounding box"):
        District("370202", "市南区", "Shinan", (117.0, 36.6), ("八大关街道",))
    with pytest.raises(ValueError, match="街道"):
        District("370202", "市南区", "Shinan", (120.39, 36.07), ())


def test_sections_partition_divisions_01_to_97() -> None:
    """The 20 sections A–T cover the divisions 01–97 once each, in order."""
    assert [s.code for s in SECTIONS] == list("ABCDEFGHIJKLMNOPQRST")
    covered = [n for s in SECTIONS for n in range(s.first_division, s.last_division + 1)]
    assert covered == list(range(1, 98))


def test_demo_divisions_map_to_their_sections() -> None:
    """Known divisions land in their sections; unknown ones are refused with a message."""
    assert section_of_division("15").code == "C"
    assert section_of_division("70").code == "K"
    assert demo_division("65").section == "I"
    assert len(DEMO_DIVISIONS) >= 20
    with pytest.raises(KeyError, match="98"):
        section_of_division("98")
    with pytest.raises(KeyError, match="demo division"):
        demo_division("02")


def test_demo_sections_are_the_sections_of_the_demo_divisions() -> None:
    """The demo's industry domain is exactly the sections its divisions fall in (11 of 20)."""
    expected = sorted({section_of_division(d.code).code for d in DEMO_DIVISIONS})
    assert list(public_code_list("gb4754_demo_section")) == expected
    assert set(expected) < set(public_code_list("gb4754_section"))


def test_code_list_registry() -> None:
    """Each registered list is non-empty and duplicate-free; unknown names list the known ones."""
    for name, codes in PUBLIC_CODE_LISTS.items():
        assert codes and len(set(codes)) == len(codes), name
    assert public_code_list("tax_credit_grade") == ("A", "B", "M", "C", "D")
    with pytest.raises(KeyError, match="qingdao_district_name"):
        public_code_list("districts")


def test_qualified_names_follow_agency_usage() -> None:
    """Districts carry the city's name in agency names; county-level cities do not."""
    assert district_by_name("市南区").qualified_name == "青岛市市南区"
    assert district_by_name("胶州市").qualified_name == "胶州市"
