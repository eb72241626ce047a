"""De-identification transforms: drop, mask, keyed pseudonyms, generalisation; re-classified."""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd
import pytest

from classification import ClassificationError, Tier, classify_frame, load_guide
from classification.deidentify import (
    drop,
    generalise_addresses,
    generalise_ages,
    generalise_dates,
    mask,
    mask_embedded,
    pseudonymise,
)
from tests.unit.classification.identifiers import resident_id

KEY = b"k" * 32
ID = resident_id()


def _series(*values: str | None) -> pd.Series:
    """An object series of ``values``."""
    return pd.Series(list(values), dtype=object)


def test_drop_removes_columns_and_refuses_unknown_ones() -> None:
    """Dropped columns are gone; naming a column that does not exist is an error."""
    frame = pd.DataFrame({"身份证号": [ID], "所属区": ["市南区"]})
    assert list(drop(frame, ["身份证号"]).columns) == ["所属区"]
    with pytest.raises(ClassificationError, match="unknown columns"):
        drop(frame, ["手机号"])


def test_mask_keeps_head_and_tail_and_nulls() -> None:
    """An ID keeps region and last four; a mobile keeps 3 + 4; nulls stay null."""
    assert mask(_series(ID, None), keep_head=6).tolist() == [ID[:6] + "*" * 8 + ID[-4:], None]
    assert mask(_series("138-1234-5678"), keep_head=3).tolist() == ["138****5678"]


def test_masked_ids_classify_as_masked_not_as_ids() -> None:
    """After masking, the column is a masked-ID column (T3), no longer a direct identifier."""
    masked = mask(pd.Series([resident_id(order=f"{i:03d}") for i in range(30)]), keep_head=6)
    finding = classify_frame(pd.DataFrame({"身份证号": masked}), guide=load_guide()).columns[0]
    assert (finding.category, finding.level) == ("MASKED_RESIDENT_ID", Tier.T3)


def test_mask_embedded_stars_identifiers_in_text() -> None:
    """Identifiers inside remarks are starred; the re-scan then finds nothing."""
    result = mask_embedded(_series(f"当事人{ID}，电话１３８１２３４５６７８"))[0]
    assert result == "当事人" + "*" * 18 + ",电话" + "*" * 11  # NFKC: "，" became ","
    remarks = pd.DataFrame({"备注": [result] * 5})
    assert classify_frame(remarks, guide=load_guide()).tier is Tier.T1


def test_pseudonyms_are_keyed_hmac_and_stable() -> None:
    """HMAC-SHA256 under the caller's key; x and X map alike; another key, another pseudonym."""
    number = "11010519491231002X"
    pseudonyms = pseudonymise(_series(number, number.lower(), None), key=KEY)
    expected = hmac.new(KEY, number.encode(), hashlib.sha256).hexdigest()[:32]
    assert pseudonyms.tolist() == [expected, expected, None]
    assert pseudonymise(_series(number), key=b"q" * 32)[0] != expected


def test_pseudonymise_refuses_weak_keys() -> None:
    """A short key (or a string passed by mistake) is refused before anything is hashed."""
    with pytest.raises(ClassificationError, match="at least 32 bytes"):
        pseudonymise(_series(ID), key=b"short")
    with pytest.raises(ClassificationError, match="at least 32 bytes"):
        pseudonymise(_series(ID), key="k" * 32)  # type: ignore[arg-type]


def test_pseudonymise_does_not_keep_or_show_the_key() -> None:
    """The key appears neither in the output nor in an error message."""
    out = pseudonymise(_series(ID), key=KEY)
    assert KEY.decode() not in "".join(out)
    with pytest.raises(ClassificationError) as error:
        pseudonymise(_series(ID), key=KEY, digits=8)
    assert KEY.decode() not in str(error.value)


def test_dates_generalise_to_month_or_year() -> None:
    """Common date spellings become YYYY-MM or YYYY; unreadable ones become null."""
    dates = _series("2024-03-05", "20240305", "2024年3月5日", "2024/3/5 10:00", "not a date", None)
    assert generalise_dates(dates).tolist() == ["2024-03"] * 4 + [None, None]
    assert generalise_dates(dates, to="year").tolist()[:2] == ["2024", "2024"]


def test_ages_generalise_to_bands() -> None:
    """Ages fall into 10-year bands with an open top band; nonsense becomes null."""
    ages = _series("0", "34", "39.0", "85", "-1", "abc")
    assert generalise_ages(ages).tolist() == ["0-9", "30-39", "30-39", "80+", None, None]


def test_addresses_generalise_to_the_street() -> None:
    """Everything after 街道/镇 is cut; an address without one is suppressed."""
    addresses = _series(
        "山东省青岛市市南区八大峡街道山东路12号3单元401室", "青岛市即墨区蓝村镇文化路5号", "某小区"
    )
    assert generalise_addresses(addresses).tolist() == [
        "山东省青岛市市南区八大峡街道",
        "青岛市即墨区蓝村镇",
        None,
    ]
