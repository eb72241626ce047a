"""The credit inputs a profile reads, by meaning: what each needs, never where a city keeps it.

An input (say ``tax_monthly``) names the fields the aggregates read — the credit code, the
period, the amount paid, the filing status — with each field's kind, the code lists its
conditions compare against (which filing status means "late") and whether the input must be an
open (T1) or a restricted (T3/T4) source. A source mapping (``lab.credit.mapping``) binds each
input to one published dataset and its columns; nothing in ``lab.credit`` names a dataset or a
source column.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from lab.credit.vocabulary import Scope


class FieldKind(StrEnum):
    """What a field holds, which decides how it is checked and read."""

    CREDIT_CODE = "credit_code"
    PERIOD = "period"
    DATE = "date"
    YEAR = "year"
    MONEY = "money"
    ENERGY = "energy"
    COUNT = "count"
    FLAG = "flag"
    TEXT = "text"


NUMERIC_KINDS = frozenset(
    {FieldKind.YEAR, FieldKind.MONEY, FieldKind.ENERGY, FieldKind.COUNT, FieldKind.FLAG}
)
UNITS: dict[FieldKind, dict[str, float]] = {
    FieldKind.MONEY: {"元": 1.0, "千元": 1_000.0, "万元": 10_000.0, "分": 0.01},
    FieldKind.ENERGY: {"千瓦时": 1.0, "万千瓦时": 10_000.0, "兆瓦时": 1_000.0},
}
"""Units a mapping may declare per numeric field kind, as factors to the base unit (元, kWh)."""
PERIOD_FORMATS = ("YYYY-MM", "YYYYMM")


@dataclass(frozen=True)
class Field:
    """One field of an input: its name, kind and whether a mapping must bind it."""

    name: str
    kind: FieldKind
    required: bool = True


@dataclass(frozen=True)
class InputSpec:
    """One credit input: its fields, code lists, scope and the tiers it may come from."""

    name: str
    scope: Scope | None
    open: bool
    fields: tuple[Field, ...]
    code_lists: tuple[str, ...] = ()

    @property
    def monthly(self) -> bool:
        """True when the input has one row per enterprise and month."""
        return any(f.kind is FieldKind.PERIOD for f in self.fields)

    def field(self, name: str) -> Field:
        """The field called ``name`` (KeyError when the input has none)."""
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)


def _f(name: str, kind: FieldKind, required: bool = True) -> Field:
    return Field(name, kind, required)


CODE = _f("credit_code", FieldKind.CREDIT_CODE)
PERIOD = _f("period", FieldKind.PERIOD)
K = FieldKind
DECISION = (
    CODE,
    _f("decision_number", K.TEXT),
    _f("penalty_kind", K.TEXT),
    _f("decided", K.DATE),
    _f("publicity_ends", K.DATE),
)
"""An administrative penalty decision as both the credit file and the 双公示 publication hold it."""
INPUTS: tuple[InputSpec, ...] = (
    InputSpec(
        "register",
        Scope.REGISTRATION,
        open=True,
        fields=(
            CODE,
            _f("name", K.TEXT),
            _f("enterprise_type", K.TEXT),
            _f("legal_representative", K.TEXT),
            _f("established", K.DATE),
            _f("registered_capital", K.MONEY),
            _f("industry_section", K.TEXT),
            _f("district", K.TEXT),
            _f("registration_status", K.TEXT),
        ),
        code_lists=("active_status",),
    ),
    InputSpec(
        "licences",
        Scope.LICENCES_PENALTIES,
        open=True,
        fields=(
            CODE,
            _f("licence_name", K.TEXT),
            _f("licence_number", K.TEXT),
            _f("valid_from", K.DATE),
            _f("valid_until", K.DATE),
        ),
    ),
    InputSpec(
        "tax_monthly",
        Scope.TAX,
        open=False,
        fields=(
            CODE,
            PERIOD,
            _f("tax_paid", K.MONEY),
            _f("tax_owed", K.MONEY),
            _f("filing_status", K.TEXT),
        ),
        code_lists=("late_filing",),
    ),
    InputSpec(
        "tax_grades",
        Scope.TAX,
        open=False,
        fields=(CODE, _f("evaluation_year", K.YEAR), _f("grade", K.TEXT)),
    ),
    InputSpec(
        "social_insurance_monthly",
        Scope.SOCIAL_INSURANCE,
        open=False,
        fields=(CODE, PERIOD, _f("insured_headcount", K.COUNT), _f("amount_owed", K.MONEY)),
    ),
    InputSpec(
        "housing_fund_monthly",
        Scope.HOUSING_FUND,
        open=False,
        fields=(CODE, PERIOD, _f("depositor_headcount", K.COUNT), _f("deferral", K.TEXT)),
        code_lists=("deferred",),
    ),
    InputSpec(
        "utilities_monthly",
        Scope.UTILITIES,
        open=False,
        fields=(
            CODE,
            PERIOD,
            _f("electricity_used", K.ENERGY),
            _f("payment_on_time", K.TEXT),
            _f("amount_owed", K.MONEY),
        ),
        code_lists=("paid_on_time",),
    ),
    InputSpec(
        "customs_monthly",
        Scope.CUSTOMS,
        open=False,
        fields=(CODE, PERIOD, _f("exports", K.MONEY), _f("imports", K.MONEY)),
    ),
    InputSpec(
        "penalties",
        Scope.LICENCES_PENALTIES,
        open=False,
        fields=(*DECISION, _f("fine", K.MONEY), _f("repair_status", K.TEXT)),
        code_lists=("repaired",),
    ),
    InputSpec(
        "public_penalties",
        Scope.LICENCES_PENALTIES,
        open=True,
        fields=DECISION,
    ),
    InputSpec(
        "abnormal_operations",
        Scope.LICENCES_PENALTIES,
        open=False,
        fields=(CODE, _f("listed", K.DATE), _f("removed", K.DATE)),
    ),
    InputSpec(
        "judicial_cases",
        Scope.JUDICIAL,
        open=False,
        fields=(
            CODE,
            _f("filed", K.DATE),
            _f("litigant_role", K.TEXT),
            _f("amount", K.MONEY),
            _f("case_status", K.TEXT),
            _f("closed", K.DATE, required=False),
        ),
        code_lists=("defendant", "open_case"),
    ),
    InputSpec(
        "dishonest_debtors",
        Scope.JUDICIAL,
        open=False,
        fields=(CODE, _f("filed", K.DATE), _f("published", K.DATE), _f("removed", K.DATE)),
    ),
    InputSpec(
        "loan_outcomes",
        None,
        open=False,
        fields=(CODE, _f("disbursed", K.DATE), _f("defaulted", K.FLAG)),
    ),
)
BY_NAME = {spec.name: spec for spec in INPUTS}
LABELS = "loan_outcomes"
"""The input holding the scorecard's labels (loan outcomes); it belongs to no profile scope."""


def spec(name: str) -> InputSpec:
    """The input called ``name`` (KeyError when there is none)."""
    return BY_NAME[name]


def scope_inputs(scope: Scope) -> tuple[str, ...]:
    """The inputs whose aggregates make up ``scope`` (none for IP and honours today)."""
    return tuple(s.name for s in INPUTS if s.scope is scope)
