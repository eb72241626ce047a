"""The scorecard: 600 points at odds 19:1, 50 points double the odds, vetoes, AUC and KS."""

from __future__ import annotations

import math

import numpy as np

from lab.credit import scorecard, validation
from lab.credit.binning import bin_of
from lab.credit.scorecard import FACTOR, OFFSET
from tests.unit.lab.credit.conftest import synthetic_training


def _logit(model, inputs) -> float:
    """log-odds of default from the model's coefficients and the bins' WoE."""
    total = 0.0
    for spec in model["inputs"]:
        woe = spec["bins"][bin_of(spec, inputs.get(spec["name"]))]["woe"]
        total += spec["coefficient"] * woe
    return total + (OFFSET - model["base_points"]) / FACTOR


def test_points_follow_the_scaling() -> None:
    """points = 600 − 50/ln2·ln19 + 50/ln2·ln(odds good:bad), for every enterprise."""
    _codes, inputs, bad = synthetic_training()
    model = scorecard.train(inputs, bad)
    for row in inputs[:50]:
        odds_good = math.exp(-_logit(model, row))
        expected = 600 - 50 / math.log(2) * math.log(19) + 50 / math.log(2) * math.log(odds_good)
        assert abs(scorecard.points(model, row) - expected) < 0.1 * len(model["inputs"])
    assert math.isclose(OFFSET + FACTOR * math.log(19), 600)
    assert math.isclose(FACTOR * math.log(2), 50)


def test_riskier_inputs_score_lower_and_get_reasons() -> None:
    """More late filings (a riskier trait in the training rule) lowers points and is a reason."""
    _codes, inputs, bad = synthetic_training()
    model = scorecard.train(inputs, bad)
    calm = {**inputs[0], "late_filings_24": 0.0, "age_years": 4.0}
    risky = {**calm, "late_filings_24": 4.0}
    assert scorecard.points(model, risky) < scorecard.points(model, calm)
    assert "R04" in {r["code"] for r in scorecard.score(model, risky).reasons}


def test_vetoes_override_the_grade() -> None:
    """An active dishonest-debtor or abnormal-operation listing grades X whatever the points."""
    _codes, inputs, bad = synthetic_training()
    model = scorecard.train(inputs, bad)
    clean = scorecard.score(model, {**inputs[0], "dishonest_active": 0, "abnormal_active": 0})
    listed = scorecard.score(model, {**inputs[0], "dishonest_active": 1, "abnormal_active": 1})
    assert clean.grade != "X" and clean.vetoes == ()
    assert listed.grade == "X" and [v["code"] for v in listed.vetoes] == ["V01", "V02"]


def test_auc_and_ks_on_known_rankings() -> None:
    """Perfect separation gives AUC 1 and KS 1; reversed gives AUC 0; ties give 0.5."""
    bad = np.array([True, True, False, False, False])
    assert validation.auc(np.array([5.0, 4, 3, 2, 1]), bad) == 1.0
    assert validation.auc(np.array([1.0, 2, 3, 4, 5]), bad) == 0.0
    assert validation.auc(np.ones(5), bad) == 0.5
    assert validation.ks(np.array([5.0, 4, 3, 2, 1]), bad) == 1.0


def test_versions_are_stable_and_holdout_is_by_code() -> None:
    """The same data trains the same version; the hold-out depends only on credit codes."""
    codes, inputs, bad = synthetic_training()
    assert scorecard.train(inputs, bad)["version"] == scorecard.train(inputs, bad)["version"]
    held = scorecard.split(codes)
    assert 0.2 < held.mean() < 0.4
    assert (scorecard.split(codes[::-1])[::-1] == held).all()
