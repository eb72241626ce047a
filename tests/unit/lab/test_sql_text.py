"""The one SQL quoter: hostile names and strings come back from DuckDB exactly as given."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lab.sql_text import sql_name, sql_string

HOSTILE = [
    'a"b',
    '"; DROP TABLE t; --',
    "o'brien",
    "'); SELECT 1; --",
    "back\\slash\\",
    "\\'",
    "nul\x00byte",
    "tab\tnew\nline",
    "城市 人口",
    "émoji 🚦",
    '"',
    "'",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_hostile_name_is_one_column_with_that_name(text: str) -> None:
    """A quoted name never closes early: DuckDB names the column exactly ``text``."""
    with duckdb.connect() as connection:
        connection.execute(f"SELECT 1 AS {sql_name(text)}")
        assert [column[0] for column in connection.description] == [text]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_hostile_string_is_one_value_equal_to_itself(text: str) -> None:
    """A quoted string never closes early: DuckDB reads back exactly ``text``, one row."""
    with duckdb.connect() as connection:
        rows = connection.execute(f"SELECT {sql_string(text)}").fetchall()
    assert rows == [(text,)]


def test_quotes_are_doubled_and_nothing_else_changes() -> None:
    """The rendering is standard SQL: a quote is doubled, a backslash stays one character."""
    assert sql_name('a"b\\') == '"a""b\\"'
    assert sql_string("it's\\") == "'it''s\\'"


def test_a_path_with_a_quote_reads_its_own_file(tmp_path: Path) -> None:
    """A path is a string literal too: DuckDB writes and reads the file of that exact name."""
    target = tmp_path / 'o\'brien "data".parquet'
    with duckdb.connect() as connection:
        connection.execute(f"COPY (SELECT 42 AS n) TO {sql_string(target)} (FORMAT parquet)")
        rows = connection.execute(f"SELECT n FROM read_parquet({sql_string(target)})").fetchall()
    assert target.exists() and rows == [(42,)]
