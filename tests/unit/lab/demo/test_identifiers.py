"""Generated identifiers are valid by the standards' check characters and plausible in shape."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import numpy as np
import pandas as pd

from classification.checksums import is_valid_org_code, is_valid_resident_id_checksum, is_valid_uscc
from lab.demo.identifiers import agency_credit_code, masked_resident_ids, resident_ids
from lab.demo.persons import full_width
from lab.demo.timeline import AS_OF
from lab.reference.regions import DISTRICT_CODES

MOBILE = re.compile(r"1[3-9]\d{9}")
ID_IN_TEXT = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")


def _codes(read, dataset_id: str, column: str) -> pd.Series:
    """Non-blank values of ``column`` in a dataset."""
    values = read(dataset_id)[column]
    return values[values != ""]


def test_every_credit_code_validates(manifest, read) -> None:
    """Each credit code in any file passes GB 32100 and embeds a valid GB 11714 org code."""
    checked = 0
    for dataset in manifest.datasets:
        for column in (c for c in dataset.identifier_columns if c.endswith("统一社会信用代码")):
            for code in _codes(read, dataset.id, column):
                assert is_valid_uscc(code) and is_valid_org_code(code[8:17]), code
                checked += 1
    assert checked > 1000


def test_register_codes_are_unique_and_local(read) -> None:
    """Codes are unique, carry the firm's own district code, and individual businesses are 92…."""
    register = read("enterprise-register")
    assert register["统一社会信用代码"].is_unique
    assert (register["统一社会信用代码"].str[2:8] == register["行政区划代码"]).all()
    individual = register["企业类型"] == "个体工商户"
    assert register.loc[individual, "统一社会信用代码"].str.startswith("92").all()
    assert register.loc[~individual, "统一社会信用代码"].str[:2].isin(["91", "93"]).all()


def test_resident_ids_validate_and_agree_with_the_row(read) -> None:
    """ID numbers pass GB 11643, start 3702xx, encode the listed birth date and sex."""
    persons = read("resident-contacts")
    ids = persons["身份证号"]
    assert ids.map(is_valid_resident_id_checksum).all()
    assert ids.str[:6].isin(DISTRICT_CODES).all()
    assert (ids.str[6:14] == persons["出生日期"].str.replace("-", "")).all()
    male = ids.str[16].astype(int) % 2 == 1
    assert (male == (persons["性别"] == "男")).all()


def test_birth_dates_are_real_and_in_the_past(read) -> None:
    """Every birth date parses as a calendar date before the as-of date and today."""
    births = pd.to_datetime(read("resident-contacts")["出生日期"], format="%Y-%m-%d")
    assert births.max().date() < min(AS_OF, date.today())
    assert births.min().date() >= date(1900, 1, 1)


def test_phones_are_mainland_mobiles_with_a_few_blanks(read) -> None:
    """Non-blank phones match 1[3-9]\\d{9}; a few are blank, like in real registers."""
    phones = read("resident-contacts")["手机号"]
    filled = phones[phones != ""]
    assert filled.map(lambda p: MOBILE.fullmatch(p) is not None).all()
    assert len(filled) < len(phones)


def test_remarks_hide_identifiers_inside_chinese_text(read) -> None:
    """Some 备注 embed a valid ID, some a phone, some only visible after NFKC normalisation."""
    notes = read("resident-contacts")["备注"]
    embedded_ids = notes.str.findall(ID_IN_TEXT.pattern).explode().dropna()
    assert len(embedded_ids) > 0 and embedded_ids.map(is_valid_resident_id_checksum).all()
    normalised = notes.map(lambda n: unicodedata.normalize("NFKC", n))
    phones = normalised.str.extract(r"(?<!\d)(1[3-9]\d{9})(?!\d)")[0].dropna()
    assert len(phones) > 0
    assert (normalised != notes).any(), "expected full-width digits in some remarks"


def test_trap_mixes_natural_persons_with_full_and_masked_ids(read) -> None:
    """The 双公示 trap holds natural persons whose ID numbers are valid or masked."""
    trap = read("shuanggongshi-penalties-with-persons")
    persons = trap[trap["行政相对人类别"] == "自然人"]
    assert len(persons) > 0
    full = persons["证件号码"].str.fullmatch(r"\d{17}[\dX]")
    assert persons.loc[full, "证件号码"].map(is_valid_resident_id_checksum).all()
    assert persons.loc[~full, "证件号码"].str.fullmatch(r"3702\d\d\*{8}\d{3}[\dX]").all()


def test_public_penalties_name_no_natural_person(read) -> None:
    """The T1 publication carries only legal persons and individual businesses."""
    public = read("shuanggongshi-penalties")
    assert set(public["行政相对人类别"]) <= {"法人及非法人组织", "个体工商户"}
    assert "证件号码" not in public.columns


def test_masking_keeps_region_and_last_four() -> None:
    """A masked ID shows the six-digit region, eight stars and the last four characters."""
    ids = resident_ids(
        np.random.default_rng(1),
        np.asarray(["370202"]),
        np.asarray(["1990-03-07"], dtype="datetime64[D]"),
        np.asarray([True]),
    )
    (masked,) = masked_resident_ids(ids)
    assert masked == "370202********" + ids[0][-4:]


def test_agency_codes_are_valid_and_stable() -> None:
    """An agency's code validates, uses its district, and is the same on every call."""
    code = agency_credit_code("青岛市市南区市场监督管理局")
    assert is_valid_uscc(code) and code.startswith("11370202")
    assert agency_credit_code("青岛市生态环境局")[2:8] == "370200"
    assert code == agency_credit_code("青岛市市南区市场监督管理局")


def test_full_width_digits_normalise_back() -> None:
    """The full-width trap really is undone by NFKC (and really differs before it)."""
    shown = full_width("13812345678")
    assert shown != "13812345678"
    assert unicodedata.normalize("NFKC", shown) == "13812345678"


def test_document_and_case_numbers_are_unique(read) -> None:
    """Decision, licence and case numbers never repeat within a dataset."""
    for dataset_id, column in [
        ("shuanggongshi-penalties-with-persons", "行政处罚决定书文号"),
        ("shuanggongshi-licences", "行政许可决定文书号"),
        ("shuanggongshi-licences", "许可编号"),
        ("credit-judicial-cases", "案号"),
        ("credit-loan-outcomes", "贷款编号"),
    ]:
        assert read(dataset_id)[column].is_unique, (dataset_id, column)
