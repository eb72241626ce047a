"""Formula-looking cells are defused; numbers and ordinary text pass unchanged."""

from __future__ import annotations

import duckdb
import pytest

from lab.catalogue.spreadsheet import defuse_cell, defuse_sql


@pytest.mark.parametrize(
    "cell",
    [
        "=1+1",
        '=HYPERLINK("http://x","y")',
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
    ],
)
def test_formula_triggers_get_an_apostrophe(cell: str) -> None:
    """Every spreadsheet formula trigger is neutralised with a leading apostrophe."""
    assert defuse_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-3.5", "+86", "1e-3", "市南区", "", "a=b", "0532-8888"])
def test_plain_values_are_untouched(cell: str) -> None:
    """Signed numbers and text without a leading trigger keep their exact value."""
    assert defuse_cell(cell) == cell


@pytest.mark.parametrize(
    "cell", ["=1+1", "-3.5", "+86", "@x", "\t=1", "\r=1", "a=b", "-2+3", "1e-3", "市南区", "", "-"]
)
def test_the_sql_rule_agrees_with_the_python_rule(cell: str) -> None:
    """Files written by DuckDB defuse exactly the cells the Python writer defuses."""
    with duckdb.connect(":memory:") as connection:
        (defused,) = connection.execute(
            f"SELECT {defuse_sql('v')} FROM (SELECT ?::VARCHAR AS v)", [cell]
        ).fetchone()
    assert defused == defuse_cell(cell)
