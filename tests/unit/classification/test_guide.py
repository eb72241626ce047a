"""The guide as data: the packaged file loads, steward edits round-trip, bad guides are refused."""

from __future__ import annotations

import pytest

from classification.errors import GuideError
from classification.guide import NegativeEntry, load_guide
from classification.tiers import Tier

MINIMAL = """
version = "test.1"
[[categories]]
code = "MOBILE"
name_zh = "手机号码"
level = "T4"
role = "identifier"
header_cues = ["手机"]
validator = "mobile"
min_share = 0.5
"""


def test_packaged_guide_loads_with_its_rules() -> None:
    """The shipped guide has a version, the categories the rules name, and threshold 10."""
    guide = load_guide()
    assert guide.version == "2026.2"
    assert guide.small_cell_threshold == 10
    assert guide.category("RESIDENT_ID").level is Tier.T4
    assert guide.category("LEGAL_REPRESENTATIVE").level is Tier.T1
    assert guide.category("ENTERPRISE_OPERATING_DETAIL").level is Tier.T2
    assert guide.category("ENTERPRISE_CONFIDENTIAL_FINANCIAL").level is Tier.T3
    assert {e.value for e in guide.negative_list} >= {"CREDENTIAL", "BIOMETRIC"}
    assert guide.category("CREDENTIAL").level is Tier.T5


def test_to_toml_round_trips() -> None:
    """What the lab stores (to_toml) loads back into an equal guide."""
    guide = load_guide()
    assert load_guide(guide.to_toml()) == guide


def test_steward_text_is_loaded() -> None:
    """A steward-edited TOML string is the guide used; its version is kept."""
    guide = load_guide(MINIMAL)
    assert guide.version == "test.1"
    assert [c.code for c in guide.categories] == ["MOBILE"]


def test_adding_a_negative_entry_makes_a_new_versioned_guide() -> None:
    """An edit returns a new guide with a derived version; the original is untouched."""
    guide = load_guide()
    entry = NegativeEntry("header", "人脸照片", "人脸图像属于生物识别信息")
    edited = guide.with_negative_entry(entry)
    assert entry in edited.negative_list and entry not in guide.negative_list
    assert edited.version.startswith("2026.2+") and edited.version != guide.version
    assert load_guide(edited.to_toml()) == edited
    assert guide.with_negative_entry(entry, version="2026.2").version == "2026.2"


def test_removing_a_negative_entry() -> None:
    """An entry can be taken off the list; removing one that is not there is an error."""
    guide = load_guide()
    edited = guide.without_negative_entry("CORE_DATA")
    assert "CORE_DATA" not in {e.value for e in edited.negative_list}
    with pytest.raises(GuideError, match="not on the negative list"):
        edited.without_negative_entry("CORE_DATA")


def test_same_edit_gives_same_version() -> None:
    """The derived version is a content hash: the same edit twice gives the same version."""
    guide = load_guide()
    entry = NegativeEntry("header", "声纹样本", "生物识别")
    assert guide.with_negative_entry(entry).version == guide.with_negative_entry(entry).version


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version = ", "not valid TOML"),
        ('title = "x"', "needs a version"),
        (MINIMAL.replace('level = "T4"', 'level = "T9"'), r"categories\[0\] \('MOBILE'\): level"),
        (MINIMAL.replace('"mobile"', '"phone"'), r"'MOBILE'\): unknown validator 'phone'"),
        (MINIMAL.replace("min_share = 0.5", "min_share = 1.5"), "min_share must be a number"),
        (MINIMAL.replace("min_share", "minshare"), r"unknown keys \['minshare'\]"),
        (MINIMAL.replace('role = "identifier"', 'role = "pii"'), "role must be one of"),
        (MINIMAL.replace('level = "T4"\n', ""), r"'MOBILE'\): missing or malformed field"),
        (MINIMAL + MINIMAL.split("version", 1)[1].split("\n", 1)[1], "duplicate category codes"),
        (
            MINIMAL + '[[combinations]]\nname = "x"\ngroups = [["MOBILE"], ["NAME"]]\nlevel = "T4"',
            r"combination 'x' names unknown categories \['NAME'\]",
        ),
        (
            MINIMAL + '[[negative_list]]\nkind = "category"\nvalue = "PASSWORD"\nreason = "r"',
            "negative-list entry names unknown category 'PASSWORD'",
        ),
        (
            MINIMAL + '[[negative_list]]\nkind = "column"\nvalue = "密码"\nreason = "r"',
            r"negative_list\[0\] \('密码'\): kind must be one of",
        ),
        (MINIMAL + "[aggregates]\nsmall_cell_threshold = 1", "at least 2"),
    ],
)
def test_bad_guides_are_refused_naming_the_entry(text: str, message: str) -> None:
    """A malformed guide raises GuideError whose message names the entry and the problem."""
    with pytest.raises(GuideError, match=message):
        load_guide(text)


def test_duplicate_negative_entry_is_refused() -> None:
    """Adding an entry already on the list is a steward error, not a silent no-op."""
    guide = load_guide()
    with pytest.raises(GuideError, match="already on the list"):
        guide.with_negative_entry(guide.negative_list[0])
