"""Formula-looking cells are defused; numbers and ordinary text pass unchanged."""

from __future__ import annotations

import pytest

from lab.catalogue.spreadsheet import defuse_cell


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
