"""Bounding contributions once at publication: each unit keeps at most its bound, chosen alone."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from lab.catalogue.versions.artifacts import build_restricted_table
from lab.catalogue.versions.bounding_seed import BoundingSeed
from lab.db.models import DpMetadata

COLUMNS = ["unit", "amount"]
SEED = BoundingSeed(bytes(range(32)))


def _staged(folder, rows: list[tuple[str | None, str]]):
    path = folder / "table.parquet"
    table = pa.table(
        {"unit": [r[0] for r in rows], "amount": [r[1] for r in rows]},
        schema=pa.schema([("unit", pa.string()), ("amount", pa.string())]),
    )
    pq.write_table(table, path)
    return path


def _bounded(folder, rows, bound: int = 3) -> pd.DataFrame:
    dp = DpMetadata(
        privacy_unit="unit", max_rows_per_unit=bound, bounds={"amount": [0, 100]}, domains={}
    )
    target = folder / "out.parquet"
    record = build_restricted_table(_staged(folder, rows), target, dp, COLUMNS, seed=SEED)
    frame = pq.read_table(target).to_pandas()
    assert record.rows_out == len(frame)
    return frame


def test_heavy_units_cut_light_units_kept(tmp_path) -> None:
    """A unit over the bound keeps exactly the bound; others keep all; NULL units are dropped."""
    rows = [("A", str(i)) for i in range(10)] + [("B", "7"), ("B", "8"), (None, "9")]
    frame = _bounded(tmp_path, rows)
    assert frame.groupby("unit").size().to_dict() == {"A": 3, "B": 2}
    assert str(frame["amount"].dtype) == "int64"


def test_kept_rows_depend_on_the_unit_alone(tmp_path) -> None:
    """Adding another unit's rows never changes which rows a heavy unit keeps."""
    base = [("A", str(i)) for i in range(10)]
    alone = _bounded(tmp_path, base)
    (tmp_path / "more").mkdir()
    more = _bounded(tmp_path / "more", base + [("C", str(i)) for i in range(8)])
    kept = sorted(alone.loc[alone.unit == "A", "amount"])
    assert kept == sorted(more.loc[more.unit == "A", "amount"])


def test_identical_rows_still_cut_to_the_bound(tmp_path) -> None:
    """Ten identical rows of one unit (hash ties) are still cut to exactly the bound."""
    frame = _bounded(tmp_path, [("A", "5")] * 10)
    assert len(frame) == 3


def test_cutting_in_several_passes_keeps_the_same_rows(tmp_path) -> None:
    """Units split into hash buckets over several passes keep exactly the one-pass rows."""
    rows = [(f"U{u}", str(u * 31 + i)) for u in range(40) for i in range(u % 7)]
    folder = tmp_path / "staged"
    folder.mkdir()
    staged = _staged(folder, rows)
    dp = DpMetadata(privacy_unit="unit", max_rows_per_unit=3, bounds={}, domains={})
    kept = []
    for passes_of in (len(rows), 5):
        target = tmp_path / f"bounded-{passes_of}.parquet"
        record = build_restricted_table(
            staged, target, dp, COLUMNS, seed=SEED, rows_per_pass=passes_of
        )
        kept.append(
            sorted(pq.read_table(target).to_pylist(), key=lambda r: (r["unit"], r["amount"]))
        )
        assert record.rows_out == len(kept[-1]) and record.units == 34
    assert kept[0] == kept[1] and len(kept[0]) == sum(min(u % 7, 3) for u in range(40))


def test_kept_rows_do_not_depend_on_row_order(tmp_path) -> None:
    """A unit's kept rows are the same whatever order its rows (and others') arrive in."""
    rows = [("A", str(i)) for i in range(10)] + [("B", str(i)) for i in range(6)]
    forward = _bounded(tmp_path, rows)
    (tmp_path / "reversed").mkdir()
    backward = _bounded(tmp_path / "reversed", rows[::-1])
    assert sorted(map(tuple, forward.values)) == sorted(map(tuple, backward.values))


def test_another_seed_keeps_other_rows(tmp_path) -> None:
    """The choice is keyed by the seed: another dataset's seed keeps a different subset."""
    rows = [("A", str(i)) for i in range(40)]
    dp = DpMetadata(privacy_unit="unit", max_rows_per_unit=5, bounds={}, domains={})
    staged = _staged(tmp_path, rows)
    kept = []
    for n, secret in enumerate((bytes(32), bytes(range(32)))):
        target = tmp_path / f"seed-{n}.parquet"
        build_restricted_table(staged, target, dp, COLUMNS, seed=BoundingSeed(secret))
        kept.append(sorted(pq.read_table(target).column("amount").to_pylist()))
    assert kept[0] != kept[1]


def _unique(folder, rows: list[tuple[str, str | None, str]], unique: list[str], bound: int = 5):
    """``rows`` of (unit, month, amount) bounded with ``unique`` declared unique per unit."""
    path = folder / "months.parquet"
    names = ["unit", "month", "amount"]
    pq.write_table(pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)}), path)
    dp = DpMetadata(
        privacy_unit="unit",
        max_rows_per_unit=bound,
        bounds={"amount": [0, 100]},
        domains={},
        unique_per_unit=unique,
    )
    target = folder / "out.parquet"
    build_restricted_table(path, target, dp, names, seed=SEED)
    return pq.read_table(target).to_pandas()


def test_a_column_declared_unique_per_unit_keeps_one_row_per_unit_and_value(tmp_path) -> None:
    """Duplicated (unit, month) rows keep one each, NULL months are untouched, the row bound
    still applies after, and a numeric unique column compares its stored (rounded) value."""
    rows = [("A", f"2026-0{m}", str(i)) for m in range(1, 4) for i in range(6)]
    rows += [("A", None, "1"), ("A", None, "2"), ("B", "2026-01", "9"), ("B", "2026-02", "9")]
    frame = _unique(tmp_path, rows, ["month"])
    a = frame[frame.unit == "A"]
    assert len(a) == 5 and a.month.dropna().is_unique and a.month.isna().sum() == 2
    (tmp_path / "cut").mkdir()
    cut = _unique(tmp_path / "cut", rows, ["month"], bound=4)
    assert len(cut[cut.unit == "A"]) == 4 and cut[cut.unit == "A"].month.dropna().is_unique
    assert len(frame[frame.unit == "B"]) == 2
    (tmp_path / "numeric").mkdir()
    numeric = _unique(tmp_path / "numeric", [("A", "m", "7"), ("A", "n", "7.0")], ["amount"])
    assert len(numeric) == 1


def test_the_row_kept_per_unit_and_value_depends_on_the_unit_alone(tmp_path) -> None:
    """Adding another unit's rows never changes which duplicate a unit keeps."""
    rows = [("A", "2026-01", str(i)) for i in range(20)]
    alone = _unique(tmp_path, rows, ["month"])
    (tmp_path / "more").mkdir()
    more = _unique(
        tmp_path / "more", rows + [("C", "2026-01", str(i)) for i in range(9)], ["month"]
    )
    assert alone.loc[alone.unit == "A"].to_dict("records") == more.loc[more.unit == "A"].to_dict(
        "records"
    )
