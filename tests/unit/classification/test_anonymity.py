"""k-anonymity and l-diversity measurement, and the gate that guards any tier lowering."""

from __future__ import annotations

import pandas as pd
import pytest

from classification import ClassificationError, GateFailed, gate, measure_anonymity


def _people(classes: dict[tuple[str, str], list[str]]) -> pd.DataFrame:
    """Rows per (age band, street) class, each row holding one of the given diagnoses."""
    rows = [
        {"年龄段": age, "街道": street, "诊断": diagnosis}
        for (age, street), diagnoses in classes.items()
        for diagnosis in diagnoses
    ]
    return pd.DataFrame(rows)


def test_report_counts_classes_and_their_sizes() -> None:
    """Smallest class, class count and the offending classes for any k come from one report."""
    frame = _people({("30-39", "八大峡街道"): ["a", "b"] * 6, ("40-49", "云南路街道"): ["a"] * 3})
    report = measure_anonymity(frame, ["年龄段", "街道"], "诊断")
    assert (report.rows, report.classes, report.smallest_class) == (15, 2, 3)
    assert report.smallest_diversity == 1
    assert report.classes_below_k(10) == 1 and report.rows_below_k(10) == 3
    assert report.classes_below_k(3) == 0
    assert report.classes_below_l(2) == 1


def test_gate_passes_when_k_and_l_hold() -> None:
    """Every class with ≥ 10 rows and ≥ 2 distinct sensitive values passes the default gate."""
    frame = _people(
        {("30-39", "八大峡街道"): ["a", "b"] * 5, ("40-49", "云南路街道"): ["c", "d"] * 6}
    )
    gate(measure_anonymity(frame, ["年龄段", "街道"], "诊断"))


def test_gate_fails_on_small_classes_saying_how_many() -> None:
    """A class of 3 fails k = 10; the message gives sizes and what to do."""
    frame = _people({("30-39", "八大峡街道"): ["a", "b"] * 6, ("40-49", "云南路街道"): ["a"] * 3})
    with pytest.raises(GateFailed, match=r"smallest class has 3 rows, needs ≥ 10; 1 of 2 classes"):
        gate(measure_anonymity(frame, ["年龄段", "街道"], "诊断"))


def test_gate_fails_on_uniform_sensitive_values() -> None:
    """Large classes whose members all share one diagnosis fail l = 2 (homogeneity attack)."""
    frame = _people({("30-39", "八大峡街道"): ["a", "b"] * 6, ("40-49", "云南路街道"): ["a"] * 12})
    report = measure_anonymity(frame, ["年龄段", "街道"], "诊断")
    gate(report, k=10, l=1)
    with pytest.raises(GateFailed, match=r"l-diversity gate failed .* only 1 distinct"):
        gate(report)


def test_nulls_form_their_own_class() -> None:
    """A missing quasi-identifier value is a class of its own, not silently dropped."""
    frame = pd.DataFrame({"年龄段": ["30-39"] * 10 + [None], "性别": ["男"] * 11})
    report = measure_anonymity(frame, ["年龄段", "性别"])
    assert (report.classes, report.smallest_class, report.smallest_diversity) == (2, 1, None)


def test_bad_column_names_and_empty_tables() -> None:
    """Unknown columns are a caller error; an empty table never passes the gate."""
    frame = pd.DataFrame({"年龄段": ["30-39"]})
    with pytest.raises(ClassificationError, match="missing"):
        measure_anonymity(frame, ["街道"])
    with pytest.raises(GateFailed, match="empty table"):
        gate(measure_anonymity(frame.iloc[:0], ["年龄段"]))
