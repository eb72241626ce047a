"""The row engine: filters, sort, columns, keyset pages and caps over a real Parquet file."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lab.errors import InvalidInput
from opendata.portal.rows import (
    Condition,
    RowQuery,
    SortKey,
    cap_limit,
    encode_token,
    parse_query,
    read_rows,
)

STATIONS = ["市南", "市北", "李沧", "崂山"]


@pytest.fixture
def table(tmp_path: Path) -> Path:
    """60 rows: a text station, a number with nulls and ties, a text grade."""
    aqi = [None if i % 9 == 0 else float((i * 7) % 25) for i in range(60)]
    data = pa.table(
        {
            "站点": [STATIONS[i % 4] for i in range(60)],
            "AQI": pa.array(aqi, pa.float64()),
            "等级": ["优" if (v or 0) < 10 else "良" for v in aqi],
        }
    )
    path = tmp_path / "air.parquet"
    pq.write_table(data, path, row_group_size=16)
    return path


def all_rows(path: Path) -> list[tuple]:
    return [tuple(r.values()) for r in pq.read_table(path).to_pylist()]


def test_equals_in_range_and_null_filters(table: Path) -> None:
    """Each operator selects exactly the rows Python's own filter selects."""
    rows = all_rows(table)
    cases = [
        (Condition("站点", "exact", ("市南",)), lambda r: r[0] == "市南"),
        (Condition("站点", "in", ("市南", "崂山")), lambda r: r[0] in ("市南", "崂山")),
        (Condition("AQI", "gte", ("20",)), lambda r: r[1] is not None and r[1] >= 20),
        (Condition("AQI", "lt", ("3",)), lambda r: r[1] is not None and r[1] < 3),
        (Condition("AQI", "isnull", ("true",)), lambda r: r[1] is None),
        (Condition("AQI", "notnull", ("true",)), lambda r: r[1] is not None),
    ]
    for condition, keep in cases:
        page = read_rows(table, RowQuery(conditions=(condition,), limit=100))
        assert page.rows == [r for r in rows if keep(r)], condition
        assert page.total == len(page.rows)


@pytest.mark.parametrize("descending", [False, True])
def test_keyset_pages_walk_the_whole_order_once(table: Path, descending: bool) -> None:
    """Paging with next tokens over a column with ties and nulls returns every row exactly once,
    in the order a single sorted read gives."""
    query = RowQuery(sort=(SortKey("AQI", descending),), limit=7)
    whole = read_rows(table, RowQuery(sort=query.sort, limit=100)).rows
    walked, after = [], None
    while True:
        page = read_rows(table, RowQuery(sort=query.sort, limit=7, after=after))
        walked.extend(page.rows)
        if page.next is None:
            break
        after = page.next
    assert walked == whole and len(walked) == 60
    numbers = [r[1] for r in walked if r[1] is not None]
    assert numbers == sorted(numbers, reverse=descending)
    assert all(r[1] is None for r in walked[len(numbers) :])


def test_column_selection_and_multi_key_sort(table: Path) -> None:
    """Only the asked columns come back, in the asked order, sorted by two keys."""
    query = RowQuery(
        columns=("AQI", "站点"),
        sort=(SortKey("站点"), SortKey("AQI", descending=True)),
        conditions=(Condition("AQI", "notnull", ("true",)),),
        limit=100,
    )
    page = read_rows(table, query)
    assert [f.name for f in page.fields] == ["AQI", "站点"]
    expected = sorted(
        ((r[1], r[0]) for r in all_rows(table) if r[1] is not None),
        key=lambda p: (p[1].encode(), -p[0]),
    )
    assert page.rows == expected


def test_token_is_bound_to_its_query(table: Path) -> None:
    """A next token replayed with other filters, or forged, is refused naming _next."""
    first = read_rows(table, RowQuery(limit=5))
    other = RowQuery(conditions=(Condition("站点", "exact", ("市南",)),), limit=5, after=first.next)
    with pytest.raises(InvalidInput, match="_next"):
        read_rows(table, other)
    with pytest.raises(InvalidInput, match="_next"):
        read_rows(table, RowQuery(limit=5, after="not-a-token"))
    by_number = RowQuery(sort=(SortKey("AQI"),), limit=5)
    forged = encode_token(["text where a number belongs"], 3, by_number)
    with pytest.raises(InvalidInput, match="_next"):
        read_rows(table, RowQuery(sort=by_number.sort, limit=5, after=forged))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ([("颜色", "红")], "颜色"),
        ([("AQI__gt", "high")], "AQI__gt"),
        ([("AQI__isnull", "maybe")], "AQI__isnull"),
        ([("_sort", "风速")], "_sort"),
        ([("_columns", "AQI,风速")], "_columns"),
        ([("_limit", "many")], "_limit"),
        ([("_bogus", "1")], "_bogus"),
    ],
)
def test_invalid_requests_name_the_field(table: Path, params: list, field: str) -> None:
    """Unknown columns, wrong-typed values and unknown options are refused naming the field."""
    with pytest.raises(InvalidInput, match=field):
        read_rows(table, parse_query(params, default_limit=10, max_limit=50))


def test_query_string_parsing_and_cap() -> None:
    """Filters, operators, repeated keys and the page cap are read from query-string pairs."""
    query = parse_query(
        [
            ("站点", "市南"),
            ("站点", "崂山"),
            ("AQI__lte", "9"),
            ("_sort", "-AQI"),
            ("_limit", "5000"),
        ],
        default_limit=10,
        max_limit=50,
    )
    assert query.conditions == (
        Condition("站点", "in", ("市南", "崂山")),
        Condition("AQI", "lte", ("9",)),
    )
    assert query.sort == (SortKey("AQI", True),) and query.limit == 50
    assert cap_limit(None, 10, 50, name="x") == 10


def test_free_text_matches_any_text_column(table: Path) -> None:
    """The text search finds rows whose text columns contain the words."""
    page = read_rows(table, RowQuery(text="崂山", limit=100))
    assert page.total == 15 and {r[0] for r in page.rows} == {"崂山"}
