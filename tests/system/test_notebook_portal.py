"""The public-data notebook runs end to end against a live portal serving the demo city."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

from lab.demo import generate_demo_data
from lab.demo.catalogue import load_demo_catalogue
from lab.services import LabServices
from tests.system.live_server import serving

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "public_data_portal.ipynb"


def printed(notebook) -> str:
    return "".join(
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "stream"
    )


def test_public_data_notebook(sqlite_lab: LabServices, tmp_path, monkeypatch) -> None:
    """Search → rows via keyset pages → pandas analysis → datastore cross-check → chart."""
    generate_demo_data(tmp_path / "demo", scale=300, seed=11)
    load_demo_catalogue(sqlite_lab, tmp_path / "demo")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    with serving(sqlite_lab) as url:
        monkeypatch.setenv("PORTAL_URL", url)
        NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    text = printed(notebook)
    assert "matches: 1" in text and "air-quality-hourly" in text
    assert "rows read: 16128 | stations: 12" in text
    assert "share of hours with AQI above 100:" in text
    assert "datastore_search agrees with the row API" in text
    images = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "image/png" in output.get("data", {})
    ]
    assert len(images) == 1
    errors = [
        o
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert not errors, errors
