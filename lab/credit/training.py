"""Training, validating and activating a scorecard version from labelled loans.

Labels are the loan-outcome source (published T4) plus the loans banks reported; each loan's
inputs are point-in-time (``vintages``: the sources as they stood at the end of the month before
disbursement). The latest ``OUT_OF_TIME_VINTAGES`` disbursement months are kept out of training
(the out-of-time test); of the earlier ones, a stable 30 % of enterprises (by a hash of the
credit code) is held out (the out-of-sample test). The model is fitted on the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import select, update

from lab.clock import now
from lab.credit import scorecard, validation
from lab.credit.aggregates import aggregate, data_as_of
from lab.credit.aggregates import labels as source_labels
from lab.credit.features import derive_all, held_scopes
from lab.credit.model_card import model_card
from lab.credit.sources import LABELS, BoundSource, opened_sources
from lab.credit.vintages import Example, point_in_time, reported_loans, source_loans
from lab.db import transaction
from lab.db.models import CreditProfileFeatures, CreditScorecard
from lab.errors import Conflict
from lab.services import LabServices

OUT_OF_TIME_VINTAGES = 2
"""Disbursement months, the latest ones, tested out of time and never trained on."""


@dataclass(frozen=True)
class TrainingResult:
    """A trained model, its validation figures and its model card."""

    model: dict[str, Any]
    validation: dict[str, Any]
    card: dict[str, Any]


@dataclass(frozen=True)
class Parts:
    """Which examples train the model and which test it out of sample and out of time."""

    training: np.ndarray
    out_of_sample: np.ndarray
    out_of_time: np.ndarray


def partition(codes: Sequence[str], vintages: Sequence[str] | None) -> Parts:
    """Out of time: the latest vintages (with at least three); out of sample: 30 % by code."""
    out_of_time = np.zeros(len(codes), dtype=bool)
    months = sorted(set(vintages or ()))
    if len(months) > OUT_OF_TIME_VINTAGES:
        latest = set(months[-OUT_OF_TIME_VINTAGES:])
        out_of_time = np.asarray([v in latest for v in vintages or ()])
    held = scorecard.split(codes)
    return Parts(~out_of_time & ~held, ~out_of_time & held, out_of_time)


def _tested(model, inputs, bad: np.ndarray, rows: np.ndarray, *, calibrated: bool) -> dict:
    chosen = [inputs[i] for i in np.flatnonzero(rows)]
    points = np.asarray([scorecard.points(model, row) for row in chosen])
    figures = validation.discrimination(points, bad[rows])
    if calibrated:
        figures["calibration"] = validation.calibration(points, bad[rows])
    return figures


def fit_and_validate(
    codes: Sequence[str],
    inputs: Sequence[Mapping[str, Any]],
    defaulted: Sequence[bool],
    vintages: Sequence[str] | None = None,
    current: Sequence[Mapping[str, Any]] | None = None,
    window: Mapping[str, Any] | None = None,
) -> TrainingResult:
    """Train on the development part; test out of sample, out of time, and against ``current``."""
    bad = np.asarray(defaulted, dtype=bool)
    parts = partition(codes, vintages)
    training_rows = [inputs[int(i)] for i in np.flatnonzero(parts.training)]
    model = scorecard.train(training_rows, bad[parts.training].tolist())
    development = validation.distribution(model, training_rows)
    figures: dict[str, Any] = {
        "training": _tested(model, inputs, bad, parts.training, calibrated=False),
        "out_of_sample": _tested(model, inputs, bad, parts.out_of_sample, calibrated=True),
        "development": development,
    }
    if parts.out_of_time.any():
        figures["out_of_time"] = _tested(model, inputs, bad, parts.out_of_time, calibrated=True)
        out_of_time = [inputs[int(i)] for i in np.flatnonzero(parts.out_of_time)]
        figures["stability_out_of_time"] = validation.stability(
            development, validation.distribution(model, out_of_time)
        )
    if current:
        figures["stability_current"] = validation.stability(
            development, validation.distribution(model, current)
        )
    card = model_card(model, figures, _window(vintages, parts, window))
    return TrainingResult(model, figures, card)


def _window(vintages, parts: Parts, given: Mapping[str, Any] | None) -> dict[str, Any]:
    months = np.asarray(vintages or [""] * len(parts.training))
    development = sorted(set(months[~parts.out_of_time]) - {""})
    tested = sorted(set(months[parts.out_of_time]) - {""})
    return {
        "development_vintages": [development[0], development[-1]] if development else None,
        "out_of_time_vintages": [tested[0], tested[-1]] if tested else None,
        **(given or {}),
    }


def examples_from(paths: Mapping[str, BoundSource], extra_loans=()) -> list[Example]:
    """Point-in-time examples of the source's loans and ``extra_loans``."""
    loans = [*(source_loans(paths[LABELS]) if LABELS in paths else ()), *extra_loans]
    return point_in_time(paths, loans)


def train_examples(
    examples: Sequence[Example],
    current: Sequence[Mapping[str, Any]],
    data_as_of_day: date,
) -> TrainingResult:
    """Train and validate on point-in-time examples; ``current`` is today's population."""
    if not examples:
        raise Conflict("no labelled loan: publish the loan-outcome source or report outcomes")
    return fit_and_validate(
        [x.loan.credit_code for x in examples],
        [x.inputs for x in examples],
        [x.loan.defaulted for x in examples],
        [x.loan.vintage for x in examples],
        current,
        {
            "features": "as of the end of the month before each loan's disbursement",
            "current_population_as_of": data_as_of_day.isoformat(),
        },
    )


def train_scorecard(lab: LabServices, *, actor: str) -> TrainingResult:
    """Train on every labelled loan with point-in-time features; store and activate it."""
    with lab.sessions() as session:
        reported = reported_loans(session)
        stored = session.execute(
            select(CreditProfileFeatures.features, CreditProfileFeatures.data_as_of)
        ).all()
    if not stored:
        raise Conflict("no enterprise has features: run `datalab credit refresh` first")
    with opened_sources(lab) as paths:
        examples = examples_from(paths, reported)
    current = [features["model"] for features, _ in stored]
    result = train_examples(examples, current, _as_date(max(day for _, day in stored)))
    activate(lab, result, actor=actor)
    return result


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def activate(lab: LabServices, result: TrainingResult, *, actor: str) -> None:
    """Store the version (if new) with its model card and make it the one profiles are scored
    with (audited)."""
    version = result.model["version"]
    with transaction(lab.sessions) as session:
        session.execute(update(CreditScorecard).values(active=False))
        row = session.get(CreditScorecard, version)
        if row is None:
            session.add(
                CreditScorecard(
                    version=version,
                    model=result.model,
                    validation=result.validation,
                    model_card=result.card,
                    active=True,
                    trained_at=now(),
                )
            )
        else:
            row.active = True
        lab.audit.append_in(
            session,
            actor=actor,
            action="credit.scorecard.activate",
            target=f"scorecard:{version}",
            details={"out_of_sample": result.card["validation"]["out_of_sample"]},
        )


def train_from_files(paths: Mapping[str, BoundSource]) -> TrainingResult:
    """Train and validate on source files directly (the demo's generated files, say)."""
    as_of = data_as_of(paths, now().date())
    current = derive_all(aggregate(paths, as_of), as_of, held_scopes(set(paths)))
    return train_examples(examples_from(paths), [f["model"] for _, f in current], as_of)


def train_on(features: Mapping[str, dict[str, Any]], labels_source: BoundSource) -> TrainingResult:
    """A usable scorecard from features as of one day (benchmarks score with it; its figures
    are not point-in-time and are never published)."""
    found = source_labels(labels_source)
    codes = [str(c) for c in found.index if str(c) in features]
    bad = [bool(found.loc[c, "defaulted"]) for c in codes]
    return fit_and_validate(codes, [features[c]["model"] for c in codes], bad)
