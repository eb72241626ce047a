"""Binning with optbinning and the logistic fit with statsmodels, as stored in the model JSON."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import statsmodels.api as sm

from lab.credit import scorecard
from lab.credit.binning import MISSING, bin_category, bin_numeric, bin_of
from tests.unit.lab.credit.conftest import synthetic_training


def _risky_sample(size: int = 4000, seed: int = 5):
    """A value whose default odds fall steadily as it rises, with 5 % of values missing."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=size)
    bad = rng.random(size) < 1 / (1 + np.exp(2.5 + 1.2 * x))
    values = [None if rng.random() < 0.05 else float(v) for v in x]
    return values, bad


def test_numeric_bins_are_monotonic_in_weight_of_evidence() -> None:
    """Bins of a steadily safer value have rising WoE, cut at optbinning's edges; missing last."""
    values, bad = _risky_sample()
    spec = bin_numeric("age_years", values, bad)
    woe = [b["woe"] for b in spec["bins"][:-1]]
    assert len(spec["edges"]) >= 2 and spec["edges"] == sorted(spec["edges"])
    assert all(a < b for a, b in pairwise(woe))
    assert spec["bins"][-1]["label"] == MISSING
    assert bin_of(spec, None) == len(spec["bins"]) - 1
    assert bin_of(spec, spec["edges"][0]) == 1 and bin_of(spec, spec["edges"][0] - 1e-9) == 0


def test_woe_is_ln_share_of_goods_over_share_of_bads() -> None:
    """Each bin's stored WoE matches ln((goods_i/G) / (bads_i/B)) counted on the sample."""
    values, bad = _risky_sample()
    spec = bin_numeric("age_years", values, bad)
    index = np.asarray([bin_of(spec, v) for v in values])
    for i, entry in enumerate(spec["bins"]):
        goods, bads = ((index == i) & ~bad).sum(), ((index == i) & bad).sum()
        expected = math.log((goods / (~bad).sum()) / (bads / bad.sum()))
        assert abs(entry["woe"] - expected) < 1e-4, entry


def test_categories_keep_a_bin_each_and_unseen_ones_fall_in_missing() -> None:
    """Every category seen gets its own bin (grouped WoE); a new one scores as missing."""
    rng = np.random.default_rng(2)
    grades = rng.choice(["A", "B", "C", "D"], size=3000)
    bad = rng.random(3000) < np.select([grades == "D", grades == "C"], [0.2, 0.08], 0.02)
    spec = bin_category("tax_grade", list(grades), bad)
    labels = [b["label"] for b in spec["bins"]]
    assert labels == ["A", "B", "C", "D", MISSING]
    assert spec["bins"][3]["woe"] < spec["bins"][2]["woe"] < spec["bins"][0]["woe"]
    assert bin_of(spec, "M") == len(labels) - 1


def test_input_no_row_has_is_one_bin_and_left_out() -> None:
    """An input missing everywhere gets one empty bin and is dropped from the model."""
    _codes, inputs, bad = synthetic_training()
    blank = [{**row, "tax_paid_yoy": None} for row in inputs]
    model = scorecard.train(blank, bad)
    assert "tax_paid_yoy" not in {s["name"] for s in model["inputs"]}
    assert model["dropped"]["tax_paid_yoy"] == "one bin"


def test_coefficients_and_standard_errors_are_statsmodels_maximum_likelihood() -> None:
    """The stored coefficients and standard errors are those of a Logit on the kept WoE columns."""
    _codes, inputs, bad = synthetic_training()
    model = scorecard.train(inputs, bad)
    design = np.column_stack(
        [
            [spec["bins"][bin_of(spec, row.get(spec["name"]))]["woe"] for row in inputs]
            for spec in model["inputs"]
        ]
    )
    fit = sm.Logit(np.asarray(bad, float), sm.add_constant(design)).fit(disp=0)
    stored = [model["intercept"]["coefficient"]] + [s["coefficient"] for s in model["inputs"]]
    errors = [model["intercept"]["standard_error"]] + [s["standard_error"] for s in model["inputs"]]
    assert np.allclose(stored, fit.params, atol=1e-4)
    assert np.allclose(errors, fit.bse, atol=1e-4)
    assert all(s["coefficient"] < 0 for s in model["inputs"])
    assert {"late_filings_24", "age_years"} <= {s["name"] for s in model["inputs"]}
