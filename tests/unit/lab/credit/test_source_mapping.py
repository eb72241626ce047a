"""The credit source mapping: parsed strictly, checked against the catalogue, read point in time."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import lab.credit
from classification import Tier
from lab.credit.aggregates import Selection, aggregate, data_as_of, labels, loans
from lab.credit.features import held_scopes
from lab.credit.mapping import MappingError, parse_mapping, shipped_mapping, shipped_text
from lab.credit.mapping_check import PublishedSource, mapping_problems, unmapped_inputs
from lab.credit.sources import LABELS, BoundSource, source_files
from lab.credit.vocabulary import Scope

CREDIT_CODE_PACKAGE = Path(lab.credit.__file__).parent
DISPLAY_NAMES = "item_names.py"
"""The names people read for the profile's own keys (企业名称, 是/否…): a label may read like a
demo source column, but the module maps profile keys to words and reads no source."""


def test_no_dataset_slug_or_source_column_is_named_in_credit_code() -> None:
    """Every slug, column and code value the demo mapping names appears in no lab/credit module."""
    mapping = shipped_mapping()
    names = set(mapping.datasets())
    for binding in mapping.bindings.values():
        names |= set(binding.columns.values())
        names |= {code for codes in binding.codes.values() for code in codes}
    assert len(names) > 60
    modules = sorted(CREDIT_CODE_PACKAGE.glob("*.py"))
    assert len(modules) > 15
    for module in modules:
        if module.name == DISPLAY_NAMES:
            assert "mapping" not in module.read_text("utf-8")  # words only, no source binding
            continue
        text = module.read_text("utf-8")
        found = sorted(n for n in names if re.search(rf"['\"]{re.escape(n)}['\"]", text))
        assert not found, f"{module.name} names {found}"
        slugs = [slug for slug in mapping.datasets() if slug in text]
        assert not slugs, f"{module.name} names {slugs}"


def test_the_shipped_mapping_binds_every_input_but_ip_and_honours_have_none() -> None:
    """The demo binds every input; IP and honours have no input, so no profile holds them."""
    mapping = shipped_mapping()
    assert unmapped_inputs(mapping) == []
    held = held_scopes(set(mapping.bindings))
    assert Scope.IP not in held and Scope.HONOURS not in held
    assert held == frozenset(Scope) - {Scope.IP, Scope.HONOURS}


def _edited(old: str, new: str) -> str:
    text = shipped_text()
    assert old in text, old
    return text.replace(old, new, 1)


STRUCTURAL = [
    ("not TOML", lambda: "version = ", "not valid TOML"),
    ("no version", lambda: _edited('version = "demo-2026.2"', ""), "needs a non-empty `version`"),
    ("unknown key", lambda: "extra = 1\n" + shipped_text(), "unknown top-level keys ['extra']"),
    (
        "unknown input",
        lambda: _edited("[inputs.licences]", "[inputs.licenses]"),
        "unknown input 'licenses'",
    ),
    (
        "no dataset",
        lambda: _edited('dataset = "credit-tax-grades"\n', ""),
        "[inputs.tax_grades]: missing `dataset`",
    ),
    (
        "missing field",
        lambda: _edited(', grade = "纳税信用等级"', ""),
        "[inputs.tax_grades] columns: missing required fields ['grade']",
    ),
    (
        "unknown field",
        lambda: _edited('grade = "纳税信用等级"', 'grade = "纳税信用等级", rank = "x"'),
        "unknown fields ['rank']",
    ),
    (
        "empty column",
        lambda: _edited('grade = "纳税信用等级"', 'grade = ""'),
        "['grade'] must be non-empty strings",
    ),
    (
        "missing unit",
        lambda: _edited('units = { fine = "元" }\n', ""),
        "[inputs.penalties] units: missing the unit of 'fine'",
    ),
    (
        "unknown unit",
        lambda: _edited('units = { fine = "元" }', 'units = { fine = "美元" }'),
        "unknown unit '美元' for 'fine'",
    ),
    (
        "unit of a text field",
        lambda: _edited('units = { fine = "元" }', 'units = { fine = "元", penalty_kind = "元" }'),
        "'penalty_kind' is a text and has no unit",
    ),
    (
        "missing code list",
        lambda: _edited('codes = { repaired = ["已信用修复"] }\n', ""),
        "[inputs.penalties] codes: missing the code list 'repaired'",
    ),
    (
        "empty code list",
        lambda: _edited('codes = { repaired = ["已信用修复"] }', "codes = { repaired = [] }"),
        "'repaired' must be a non-empty list of strings",
    ),
    (
        "unknown code list",
        lambda: _edited(
            'codes = { repaired = ["已信用修复"] }',
            'codes = { repaired = ["已信用修复"], revoked = ["撤销"] }',
        ),
        "unknown code lists ['revoked']",
    ),
    (
        "bad period format",
        lambda: _edited(
            'dataset = "tax-monthly"\nperiod_format = "YYYY-MM"',
            'dataset = "tax-monthly"\nperiod_format = "MM/YYYY"',
        ),
        "[inputs.tax_monthly]: `period_format` must be one of",
    ),
    (
        "period format on events",
        lambda: _edited(
            'dataset = "credit-tax-grades"',
            'dataset = "credit-tax-grades"\nperiod_format = "YYYYMM"',
        ),
        "`period_format` applies to monthly inputs only",
    ),
]


@pytest.mark.parametrize(("kind", "text", "message"), STRUCTURAL, ids=[s[0] for s in STRUCTURAL])
def test_each_structural_mistake_is_named(kind: str, text, message: str) -> None:
    """Each kind of mistake in the text is refused with a message naming what to fix."""
    with pytest.raises(MappingError) as refused:
        parse_mapping(text())
    assert message in refused.value.message, refused.value.message
    assert "datalab credit sources check" in refused.value.message


def test_every_problem_is_listed_at_once() -> None:
    """Two independent mistakes are both reported, not only the first."""
    text = _edited('units = { fine = "元" }\n', "").replace(', grade = "纳税信用等级"', "")
    with pytest.raises(MappingError) as refused:
        parse_mapping(text)
    assert len(refused.value.problems) == 2


def _catalogue(mapping=None, **overrides: PublishedSource | None) -> dict[str, PublishedSource]:
    """A catalogue satisfying ``mapping`` (every column numeric), then ``overrides`` by slug."""
    mapping = mapping or shipped_mapping()
    published: dict[str, PublishedSource] = {}
    for binding in mapping.bindings.values():
        tier = Tier.T1 if binding.spec.open else Tier.T4
        shares = dict.fromkeys(binding.columns.values(), 1.0)
        published[binding.dataset] = PublishedSource(binding.dataset, 2, tier, shares)
    for slug, source in overrides.items():
        if source is None:
            published.pop(slug)
        else:
            published[slug] = source
    return published


def test_a_satisfied_mapping_has_no_problem() -> None:
    """The shipped mapping against a catalogue that has everything it names: no problem."""
    assert mapping_problems(shipped_mapping(), _catalogue()) == []


def _problems(**overrides) -> list[str]:
    return mapping_problems(
        shipped_mapping(), _catalogue(**{k.replace("_", "-"): v for k, v in overrides.items()})
    )


def test_an_unpublished_dataset_is_named() -> None:
    """A bound dataset with no served version is reported by input and slug."""
    assert _problems(credit_tax_grades=None) == [
        "[inputs.tax_grades]: dataset 'credit-tax-grades' has no published version"
    ]


def test_an_open_input_from_a_restricted_dataset_is_refused() -> None:
    """Report items must come from public sources: a register published at T4 is refused."""
    shares = {c: 1.0 for c in shipped_mapping().bindings["register"].columns.values()}
    problems = _problems(
        enterprise_register=PublishedSource("enterprise-register", 1, Tier.T4, shares)
    )
    assert problems == [
        "[inputs.register]: dataset 'enterprise-register' is published at T4; the register input"
        " must come from T1 (its items are shown in reports)"
    ]


def test_a_restricted_input_from_an_open_dataset_is_refused() -> None:
    """A restricted input bound to a T1 dataset is refused (T3 or T4 only)."""
    shares = {c: 1.0 for c in shipped_mapping().bindings["tax_monthly"].columns.values()}
    problems = _problems(tax_monthly=PublishedSource("tax-monthly", 1, Tier.T1, shares))
    assert problems == [
        "[inputs.tax_monthly]: dataset 'tax-monthly' is published at T1; the tax_monthly input"
        " must come from T3 or T4"
    ]


def test_a_column_missing_from_the_dictionary_is_named() -> None:
    """A bound column the served version does not have is named with its field and version."""
    shares = {c: 1.0 for c in shipped_mapping().bindings["tax_grades"].columns.values()}
    del shares["评价年度"]
    problems = _problems(credit_tax_grades=PublishedSource("credit-tax-grades", 3, Tier.T4, shares))
    assert problems == [
        "[inputs.tax_grades]: column '评价年度' (evaluation_year) is not in 'credit-tax-grades'"
        " version 3"
    ]


def test_a_text_column_bound_to_an_amount_is_refused() -> None:
    """A money field bound to a column whose values are not numbers is refused."""
    shares = {c: 1.0 for c in shipped_mapping().bindings["penalties"].columns.values()}
    shares["罚款金额（元）"] = 0.4
    source = PublishedSource("credit-admin-penalties", 1, Tier.T4, shares)
    assert _problems(credit_admin_penalties=source) == [
        "[inputs.penalties]: column '罚款金额（元）' (fine) must be numeric; 40% of its values are"
        " numbers in 'credit-admin-penalties' version 1"
    ]


def test_an_empty_mapping_is_refused() -> None:
    """A mapping that binds nothing would empty every profile: refused."""
    empty = parse_mapping('version = "x"\n')
    assert mapping_problems(empty, {}) == [
        "the mapping binds no input: no profile could hold any data"
    ]


# --- point in time: another city's columns, written by hand --------------------------------

CITY = """
version = "test-city-1"
[inputs.tax_monthly]
dataset = "tax"
period_format = "YYYYMM"
columns = { credit_code = "uscc", period = "ym", tax_paid = "paid_wan", tax_owed = "owed", filing_status = "filing" }
units = { tax_paid = "万元", tax_owed = "元" }
codes = { late_filing = ["L"] }
[inputs.penalties]
dataset = "pen"
columns = { credit_code = "uscc", decision_number = "no", penalty_kind = "kind", decided = "day", publicity_ends = "until", fine = "fine", repair_status = "state" }
units = { fine = "元" }
codes = { repaired = ["R"] }
[inputs.public_penalties]
dataset = "sgs"
columns = { credit_code = "uscc", decision_number = "wh", penalty_kind = "lb", decided = "rq", publicity_ends = "jz" }
[inputs.dishonest_debtors]
dataset = "dd"
columns = { credit_code = "uscc", filed = "filed", published = "pub", removed = "off" }
[inputs.judicial_cases]
dataset = "cases"
columns = { credit_code = "uscc", filed = "filed", litigant_role = "role", amount = "amt", case_status = "st", closed = "closed" }
units = { amount = "元" }
codes = { defendant = ["D"], open_case = ["O"] }
[inputs.licences]
dataset = "lic"
columns = { credit_code = "uscc", licence_name = "n", licence_number = "no", valid_from = "from", valid_until = "to" }
[inputs.tax_grades]
dataset = "grades"
columns = { credit_code = "uscc", evaluation_year = "y", grade = "g" }
[inputs.register]
dataset = "reg"
columns = { credit_code = "uscc", name = "n", enterprise_type = "t", legal_representative = "r", established = "est", registered_capital = "cap", industry_section = "s", district = "d", registration_status = "st" }
units = { registered_capital = "万元" }
codes = { active_status = ["open"] }
[inputs.loan_outcomes]
dataset = "loans"
columns = { credit_code = "uscc", disbursed = "on", defaulted = "bad" }
"""  # noqa: E501 (a TOML inline table stays on one line)
FIRM, YOUNG = "91370200MA3C1XY12A", "91370200MA3C1XY12B"


def _write(folder: Path, name: str, rows: list[dict]) -> str:
    path = folder / f"{name}.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return str(path)


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> dict[str, BoundSource]:
    """Hand-written sources of a city with its own slugs, columns, units and codes."""
    folder = tmp_path_factory.mktemp("city")
    months = [f"{y}{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
    files = {
        "tax": _write(
            folder,
            "tax",
            [
                {"uscc": FIRM, "ym": ym, "paid_wan": 1, "owed": 0, "filing": "L" if i % 6 else "N"}
                for i, ym in enumerate(months)
            ],
        ),
        "pen": _write(
            folder,
            "pen",
            [
                {
                    "uscc": FIRM,
                    "no": "P1",
                    "kind": "罚款",
                    "day": "2025-01-10",
                    "until": "2026-01-10",
                    "fine": 5000,
                    "state": "S",
                },
                {
                    "uscc": FIRM,
                    "no": "P2",
                    "kind": "警告",
                    "day": "2025-06-01",
                    "until": "2028-06-01",
                    "fine": 200000,
                    "state": "S",
                },
                {
                    "uscc": FIRM,
                    "no": "P3",
                    "kind": "罚款",
                    "day": "2025-02-01",
                    "until": "2026-02-01",
                    "fine": 100,
                    "state": "R",
                },
            ],
        ),
        "sgs": _write(
            folder,
            "sgs",
            [
                {"uscc": FIRM, "wh": "P1", "lb": "罚款", "rq": "2025-01-10", "jz": "2026-01-10"},
                {"uscc": FIRM, "wh": "P2", "lb": "警告", "rq": "2025-06-01", "jz": "2028-06-01"},
                {"uscc": YOUNG, "wh": "P9", "lb": "警告", "rq": "2025-08-01", "jz": "2026-08-01"},
            ],
        ),
        "dd": _write(
            folder,
            "dd",
            [{"uscc": FIRM, "filed": "2025-01-05", "pub": "2025-03-01", "off": "2025-09-01"}],
        ),
        "cases": _write(
            folder,
            "cases",
            [
                {
                    "uscc": FIRM,
                    "filed": "2025-02-01",
                    "role": "D",
                    "amt": 1000,
                    "st": "C",
                    "closed": "2025-08-01",
                },
                {
                    "uscc": FIRM,
                    "filed": "2025-05-01",
                    "role": "P",
                    "amt": 9000,
                    "st": "O",
                    "closed": "",
                },
            ],
        ),
        "lic": _write(
            folder,
            "lic",
            [{"uscc": FIRM, "n": "许可", "no": "L1", "from": "2025-01-01", "to": "2026-01-01"}],
        ),
        "grades": _write(
            folder,
            "grades",
            [{"uscc": FIRM, "y": 2023, "g": "B"}, {"uscc": FIRM, "y": 2024, "g": "A"}],
        ),
        "reg": _write(
            folder,
            "reg",
            [
                {
                    "uscc": FIRM,
                    "n": "甲公司",
                    "t": "有限责任公司",
                    "r": "张三",
                    "est": "2020-01-01",
                    "cap": 100,
                    "s": "C",
                    "d": "市南区",
                    "st": "open",
                },
                {
                    "uscc": YOUNG,
                    "n": "乙公司",
                    "t": "有限责任公司",
                    "r": "李四",
                    "est": "2025-07-01",
                    "cap": 5,
                    "s": "F",
                    "d": "市北区",
                    "st": "open",
                },
            ],
        ),
        "loans": _write(
            folder,
            "loans",
            [
                {"uscc": FIRM, "on": "2025-04-02", "bad": 1},
                {"uscc": YOUNG, "on": "2025-09-09", "bad": 0},
            ],
        ),
    }
    return source_files(parse_mapping(CITY), files)


def _at(city, day: str) -> dict:
    frame = aggregate(city, date.fromisoformat(day))
    return frame.astype(object).where(frame.notna(), None).to_dict("index")


def test_monthly_windows_end_with_the_as_of_month_in_the_declared_units(city) -> None:
    """At 2025-06-30 the last 12 months are 2024-07…2025-06 (12 × 1 万元 = 120,000 元) and the
    months after June 2025 count nowhere; the data's own end is December 2025."""
    row = _at(city, "2025-06-30")[FIRM]
    assert row["tax_paid_12"] == 120_000
    assert row["tax_months_12"] == 12 and row["tax_months_prev"] == 6
    assert row["late_filings_24"] == 15  # 18 months, every sixth one on time
    assert data_as_of(city, date(2000, 1, 1)) == date(2025, 12, 31)


def test_a_penalty_decided_after_as_of_is_not_counted(city) -> None:
    """At 2025-05-31 only P1 exists (P2 is decided in June); P3 was repaired and is in no list."""
    before = _at(city, "2025-05-31")[FIRM]
    after = _at(city, "2025-06-30")[FIRM]
    assert before["penalties_24"] == 2 and after["penalties_24"] == 3
    assert before["fines_24"] == 5_100 and after["fines_24"] == 205_100
    assert [i["ref"] for i in before["public_penalties"]] == ["P1"]
    assert [i["ref"] for i in after["public_penalties"]] == ["P2", "P1"]


def test_publicity_ends_on_its_day_and_the_penalty_becomes_repairable(city) -> None:
    """After 2026-01-10 P1 is past its publicity period: no longer public, now repairable."""
    row = _at(city, "2026-01-31")[FIRM]
    assert [i["ref"] for i in row["public_penalties"]] == ["P2"]
    assert [i["ref"] for i in row["repairable_penalties"]] == ["P1"]
    assert row["penalties_public"] == 1


def test_public_items_come_from_the_publication_not_the_credit_file(city) -> None:
    """The 双公示 ruling: P9 is only in the T1 publication and is listed as public; with the
    publication unmapped nothing is listed as public, though the T4 file holds two penalties
    under publicity (it still gives the counts)."""
    young = _at(city, "2025-12-31")[YOUNG]
    assert [i["ref"] for i in young["public_penalties"]] == ["P9"]
    assert young.get("penalties_24") is None
    without = {name: source for name, source in city.items() if name != "public_penalties"}
    frame = aggregate(without, date(2025, 6, 30))
    assert "public_penalties" not in frame.columns
    assert frame.loc[FIRM, "penalties_public"] == 2


def test_an_approved_repair_leaves_the_public_list_too(city) -> None:
    """A credit repair the lab approved takes the decision out of the publication's list as well
    as out of the credit file's counts."""
    repaired = Selection(repaired=frozenset({(FIRM, "P2")}))
    row = aggregate(city, date(2025, 6, 30), repaired).loc[FIRM]
    assert [i["ref"] for i in row["public_penalties"]] == ["P1"]
    assert row["penalties_24"] == 2


def test_a_listing_counts_from_publication_until_removal(city) -> None:
    """The dishonest-debtor listing is unknown before it was published, active until removed."""
    assert _at(city, "2025-02-28")[FIRM].get("dishonest_active") is None
    assert _at(city, "2025-05-31")[FIRM]["dishonest_active"] == 1
    assert _at(city, "2025-09-30")[FIRM]["dishonest_active"] == 0


def test_a_case_is_open_until_its_close_date(city) -> None:
    """The defendant case filed in February is open in June and closed in September; the case
    as plaintiff never counts."""
    assert _at(city, "2025-01-31")[FIRM].get("defendant_24") is None
    assert _at(city, "2025-06-30")[FIRM]["open_cases"] == 1
    assert _at(city, "2025-09-30")[FIRM]["open_cases"] == 0
    assert _at(city, "2025-09-30")[FIRM]["case_amount_24"] == 1000


def test_licences_grades_and_registration_as_they_stood(city) -> None:
    """A licence counts from its first valid day; a grade from the year after its evaluation
    year; an enterprise only once established."""
    early = _at(city, "2024-12-31")
    assert early[FIRM].get("licences_valid") is None
    assert early[FIRM]["tax_grade"] == "B"
    assert YOUNG not in early
    late = _at(city, "2025-12-31")
    assert late[FIRM]["licences_valid"] == 1 and late[FIRM]["tax_grade"] == "A"
    assert late[YOUNG]["capital"] == 50_000 and late[YOUNG]["registered_active"]


def test_loan_outcomes_read_through_the_mapping(city) -> None:
    """Labels per enterprise and loans per disbursement day come from the mapped columns."""
    assert labels(city[LABELS])["defaulted"].to_dict() == {FIRM: 1.0, YOUNG: 0.0}
    assert loans(city[LABELS]).to_dict("records") == [
        {"code": FIRM, "disbursed": "2025-04-02", "defaulted": True},
        {"code": YOUNG, "disbursed": "2025-09-09", "defaulted": False},
    ]
