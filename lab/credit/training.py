"""Training, validating and activating a scorecard version from labelled enterprises.

Labels are the loan-outcome source (published T4) plus outcomes banks reported; inputs are the
stored model inputs of each labelled enterprise. A stable 30 % of enterprises (by a hash of the
credit code) is held out: AUC and KS on it are stored with the version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select, update

from lab.credit import scorecard
from lab.credit.aggregates import aggregate, data_as_of
from lab.credit.aggregates import labels as source_labels
from lab.credit.features import derive_all, held_scopes
from lab.credit.outcomes import reported_labels
from lab.credit.sources import LABELS, opened_sources
from lab.db import transaction
from lab.db.models import CreditProfileFeatures, CreditScorecard
from lab.errors import Conflict
from lab.identity.accounts import now
from lab.services import LabServices


@dataclass(frozen=True)
class TrainingResult:
    """A trained model and its validation figures."""

    model: dict[str, Any]
    validation: dict[str, Any]


def fit_and_validate(
    codes: Sequence[str], inputs: Sequence[Mapping[str, Any]], defaulted: Sequence[bool]
) -> TrainingResult:
    """Train on the enterprises not held out; validate on both parts."""
    held = scorecard.split(codes)
    rows = np.arange(len(codes))
    train_rows, test_rows = rows[~held], rows[held]
    model = scorecard.train([inputs[i] for i in train_rows], [defaulted[i] for i in train_rows])
    validation = {
        "training": scorecard.validate(
            model, [inputs[i] for i in train_rows], [defaulted[i] for i in train_rows]
        ),
        "held_out": scorecard.validate(
            model, [inputs[i] for i in test_rows], [defaulted[i] for i in test_rows]
        ),
    }
    return TrainingResult(model, validation)


def _labels(lab: LabServices) -> dict[str, bool]:
    with opened_sources(lab) as paths:
        found = source_labels(paths[LABELS]) if LABELS in paths else None
    labels = {str(c): bool(v) for c, v in found["defaulted"].items()} if found is not None else {}
    with lab.sessions() as session:
        for code, bad in reported_labels(session).items():
            labels[code] = labels.get(code, False) or bad
    return labels


def train_scorecard(lab: LabServices, *, actor: str) -> TrainingResult:
    """Train on every labelled enterprise with stored features; store and activate the version."""
    labels = _labels(lab)
    with lab.sessions() as session:
        stored = session.execute(
            select(CreditProfileFeatures.credit_code, CreditProfileFeatures.features).where(
                CreditProfileFeatures.credit_code.in_(list(labels))
            )
        ).all()
    if not stored:
        raise Conflict("no labelled enterprise has features: run `datalab credit refresh` first")
    codes = [code for code, _ in stored]
    result = fit_and_validate(codes, [f["model"] for _, f in stored], [labels[c] for c in codes])
    activate(lab, result, actor=actor)
    return result


def activate(lab: LabServices, result: TrainingResult, *, actor: str) -> None:
    """Store the version (if new) and make it the one profiles are scored with (audited)."""
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
            details={"validation": result.validation},
        )


def train_from_files(paths: Mapping[str, str]) -> TrainingResult:
    """Train and validate on source files directly (the demo's generated files, say)."""
    as_of = data_as_of(paths, now().date())
    features = dict(derive_all(aggregate(paths, as_of), as_of, held_scopes(set(paths))))
    return train_on(features, paths[LABELS])


def train_on(features: Mapping[str, dict[str, Any]], labels_path: str) -> TrainingResult:
    """Train and validate on derived features and a loan-outcome file."""
    found = source_labels(labels_path)
    codes = [str(c) for c in found.index if str(c) in features]
    bad = [bool(found.loc[c, "defaulted"]) for c in codes]
    return fit_and_validate(codes, [features[c]["model"] for c in codes], bad)


def validation_markdown(result: TrainingResult, *, scale: int, seed: int) -> str:
    """The validation table docs/credit.md shows, for the demo at ``scale`` and ``seed``."""
    lines = [
        f"Scorecard `{result.model['version']}`, trained on the demo city at scale {scale:,} "
        f"(seed {seed}); 30 % of enterprises held out by a hash of the credit code.",
        "",
        "| part | loans | defaults | AUC | KS |",
        "|---|---:|---:|---:|---:|",
    ]
    for part, label in (("training", "training"), ("held_out", "held out")):
        figures = result.validation[part]
        lines.append(
            f"| {label} | {figures['loans']} | {figures['defaults']} | "
            f"{figures['auc']:.3f} | {figures['ks']:.3f} |"
        )
    return "\n".join(lines)
