"""Validation figures: calibration per score band, PSI, the out-of-time split, the model card."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lab.credit import scorecard, validation
from lab.credit.training import OUT_OF_TIME_VINTAGES, fit_and_validate, partition
from lab.errors import InvalidInput
from tests.unit.lab.credit.conftest import synthetic_training


def test_scaling_gives_five_percent_at_600_and_halves_odds_every_50_points() -> None:
    """default_probability inverts the points scaling: odds 19:1 at 600, doubled per 50."""
    assert math.isclose(scorecard.default_probability(600), 0.05)
    odds = [(1 - p) / p for p in map(scorecard.default_probability, (600, 650, 700))]
    assert math.isclose(odds[1], 2 * odds[0]) and math.isclose(odds[2], 4 * odds[0])


def test_score_bands_follow_the_grade_floors() -> None:
    """Band edges sit on the grade floors: 680 is the top band, 679.9 the next."""
    assert validation.band_of(680) == "≥680" and validation.band_of(679.9) == "630–679"
    assert validation.band_of(530) == "530–579" and validation.band_of(529) == "<530"
    assert validation.band_labels() == ["≥680", "630–679", "580–629", "530–579", "<530"]


def test_calibration_counts_and_rates_per_band() -> None:
    """Each band holds its loans, its observed default share and the mean predicted rate."""
    points = np.array([700.0, 700, 650, 500, 500, 500])
    bad = np.array([False, False, True, True, False, True])
    rows = {r["band"]: r for r in validation.calibration(points, bad)}
    assert rows["≥680"] == {
        "band": "≥680",
        "loans": 2,
        "defaults": 0,
        "predicted": round(scorecard.default_probability(700), 4),
        "observed": 0.0,
    }
    assert rows["<530"]["observed"] == round(2 / 3, 4) and rows["<530"]["loans"] == 3
    assert rows["580–629"]["loans"] == 0 and rows["580–629"]["observed"] is None


def test_psi_is_zero_for_the_same_shares_and_matches_the_formula() -> None:
    """PSI = Σ (a − e)·ln(a/e); identical populations give 0; bins must match."""
    assert validation.psi([0.5, 0.5], [0.5, 0.5]) == 0
    expected = (0.7 - 0.5) * math.log(0.7 / 0.5) + (0.3 - 0.5) * math.log(0.3 / 0.5)
    assert validation.psi([0.5, 0.5], [0.7, 0.3]) == round(expected, 4)
    with pytest.raises(InvalidInput):
        validation.psi([0.5, 0.5], [1.0])


def test_out_of_time_is_the_latest_vintages_and_never_trained_on() -> None:
    """The last vintages are tested out of time; the hash hold-out applies to the earlier ones."""
    codes, _inputs, _bad = synthetic_training()
    months = ["2025-06", "2025-07", "2025-08", "2025-09"]
    vintages = [months[i % 4] for i in range(len(codes))]
    parts = partition(codes, vintages)
    latest = set(months[-OUT_OF_TIME_VINTAGES:])
    assert all((v in latest) == t for v, t in zip(vintages, parts.out_of_time, strict=True))
    assert not (parts.training & (parts.out_of_time | parts.out_of_sample)).any()
    assert (parts.training | parts.out_of_sample | parts.out_of_time).all()
    assert not partition(codes, ["2025-06"] * len(codes)).out_of_time.any()


def test_model_card_records_window_samples_features_figures_and_limits() -> None:
    """The card carries the vintages, the three samples' sizes, every kept feature's bins and
    standard error, calibration and PSI, and names each dropped input as a limit."""
    codes, inputs, bad = synthetic_training(1200)
    months = ["2025-06", "2025-07", "2025-08", "2025-09"]
    vintages = [months[i % 4] for i in range(len(codes))]
    result = fit_and_validate(codes, inputs, bad, vintages, current=inputs[:300])
    card = result.card
    assert card["version"] == result.model["version"]
    assert card["data_window"]["development_vintages"] == ["2025-06", "2025-07"]
    assert card["data_window"]["out_of_time_vintages"] == ["2025-08", "2025-09"]
    sizes = [card["samples"][p]["loans"] for p in ("training", "out_of_sample", "out_of_time")]
    assert sum(sizes) == len(codes) and card["samples"]["out_of_time"]["loans"] == 600
    assert [f["name"] for f in card["features"]] == [s["name"] for s in result.model["inputs"]]
    assert all(f["standard_error"] > 0 for f in card["features"])
    assert len(card["validation"]["out_of_time"]["calibration"]) == 5
    assert set(card["validation"]["stability_current"]["inputs"]) == {
        s["name"] for s in result.model["inputs"]
    }
    for name in result.model["dropped"]:
        assert any(limit.startswith(name) for limit in card["known_limits"])
