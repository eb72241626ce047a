"""Loans by vintage, and each loan's scorecard inputs as the sources stood before it was made.

A training example is one loan: the enterprise, the disbursement date and whether it defaulted.
Its inputs are computed point-in-time, from the sources cut at the end of the month before the
loan's disbursement (``feature_cut``): windows end there, events count only if published by then,
listings only if active then. Loans are grouped by that cut, one aggregation per cut over just the
enterprises that borrowed then.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.credit.aggregates import Selection, aggregate
from lab.credit.aggregates import loans as loan_rows
from lab.credit.features import model_inputs
from lab.credit.sources import BoundSource
from lab.db.models import CreditLoanOutcome


@dataclass(frozen=True)
class Loan:
    """One labelled loan: who borrowed, when, and whether it went 90+ days past due."""

    credit_code: str
    disbursed_on: date
    defaulted: bool

    @property
    def vintage(self) -> str:
        """The disbursement month, ``YYYY-MM``."""
        return self.disbursed_on.strftime("%Y-%m")


@dataclass(frozen=True)
class Example:
    """A loan and its point-in-time scorecard inputs."""

    loan: Loan
    inputs: dict[str, Any]


def feature_cut(disbursed_on: date) -> date:
    """The as-of date of a loan's features: the last day of the month before disbursement."""
    return disbursed_on.replace(day=1) - timedelta(days=1)


def source_loans(source: BoundSource) -> list[Loan]:
    """The loans of the loan-outcome input (rows without a date or a label are skipped)."""
    rows = loan_rows(source)
    return [
        Loan(str(code), date.fromisoformat(str(day)[:10]), bool(bad))
        for code, day, bad in rows.itertuples(index=False)
        if code and day and bad is not None and bad == bad  # NaN: no label
    ]


def reported_loans(session: Session) -> list[Loan]:
    """The loans banks reported back (``POST /api/credit/outcomes``)."""
    rows = session.execute(
        select(
            CreditLoanOutcome.credit_code,
            CreditLoanOutcome.disbursed_on,
            CreditLoanOutcome.defaulted,
        )
    )
    return [Loan(code, date.fromisoformat(day), bool(bad)) for code, day, bad in rows]


def point_in_time(paths: Mapping[str, BoundSource], loans: Iterable[Loan]) -> list[Example]:
    """Every loan with its inputs from the sources cut at its ``feature_cut``, oldest first."""
    by_cut: dict[date, list[Loan]] = defaultdict(list)
    for loan in loans:
        by_cut[feature_cut(loan.disbursed_on)].append(loan)
    examples: list[Example] = []
    for cut in sorted(by_cut):
        wanted = by_cut[cut]
        rows = aggregate(paths, cut, Selection(codes=frozenset(x.credit_code for x in wanted)))
        cleaned = rows.astype(object).where(rows.notna(), None)
        found = {str(code): dict(row) for code, row in cleaned.iterrows()}
        examples.extend(
            Example(loan, model_inputs(found.get(loan.credit_code, {}), cut)) for loan in wanted
        )
    return examples
