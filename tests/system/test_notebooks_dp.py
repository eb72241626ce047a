"""The DP example notebooks run end to end against the demo and show what they promise.

The demo city is generated at the scale ``make demo`` uses (10,000 enterprises) and loaded through
real ingest, the demo enterprise and bank get their approved projects (the bank's second one under
ρ-zCDP), and each notebook runs under nbclient with a sandbox token of its user, as a sandbox
kernel would. Every answer must be informative there: no executed output may carry the SDK's
``WideIntervalWarning`` (an interval wider than its value). Executed copies are saved under
test-artifacts/notebooks/.
"""

from __future__ import annotations

import ast
import socket
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
import nbformat
import pytest
import uvicorn
from nbclient import NotebookClient

from lab.app import create_app
from lab.cli.demo import load_catalogue, prepare_demo_data
from lab.db import transaction
from lab.demo.accounts import seed_demo_accounts
from lab.demo.projects import seed_demo_projects
from lab.gateway.accounting import MICRO, PICO
from lab.gateway.projects import DEFAULT_DELTA_PER_DATASET
from lab.gateway.zcdp import implied_epsilon_micro
from lab.reference.industries import DEMO_SECTION_CODES
from lab.services import open_services
from lab.settings import load_settings
from sandbox.identity import mint_kernel_token
from sandbox.kernel_env import kernel_environ

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "test-artifacts" / "notebooks"
DEMO_SCALE = 10_000  # the `make demo` default (Settings.demo_scale)

pytestmark = pytest.mark.timeout(400)


@pytest.fixture(scope="module")
def demo_gateway():
    """The demo at its own scale, served on loopback; yields (url, lab, {project: id}): the
    enterprise's (``analyst``), the bank's (``banker``) and the bank's zCDP one (``zcdp``)."""
    with tempfile.TemporaryDirectory(prefix="cdl-notebooks-") as home:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        lab = open_services(load_settings(home=Path(home), port=port))
        data_dir = prepare_demo_data(lab, DEMO_SCALE)
        with transaction(lab.sessions) as session:
            seed_demo_accounts(session, lab.audit)
        load_catalogue(lab, data_dir)
        with transaction(lab.sessions) as session:
            projects = seed_demo_projects(session, lab.audit)
            enterprise_project, bank_project, zcdp_project = (p.id for p in projects)
        server = uvicorn.Server(
            uvicorn.Config(create_app(lab), host="127.0.0.1", port=port, log_config=None)
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield (
            url,
            lab,
            {"analyst": enterprise_project, "banker": bank_project, "zcdp": zcdp_project},
        )
        server.should_exit = True
        thread.join(timeout=10)
        lab.close()


def run_notebook(
    name: str, username: str, demo_gateway, monkeypatch, project: str = ""
) -> nbformat.NotebookNode:
    """Run notebook ``name`` as ``username`` with a token for demo project ``project`` (the
    user's own by default); save the executed copy."""
    url, lab, projects = demo_gateway
    token = mint_kernel_token(
        lab,
        username=username,
        project_id=projects[project or username],
        lifetime=timedelta(hours=1),
    )
    monkeypatch.setenv("DATALAB_GATEWAY_URL", url)
    monkeypatch.setenv("DATALAB_GATEWAY_TOKEN", token.plain)
    for variable, value in kernel_environ(ROOT).items():  # the SDK and its matplotlibrc
        monkeypatch.setenv(variable, value)
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(notebook, timeout=180, kernel_name="python3").execute()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, ARTIFACTS / name)
    streams = "".join(o.get("text", "") for o in outputs(notebook, "text"))
    assert "missing from font" not in streams, "Chinese labels drawn as missing-glyph boxes"
    wide = [line for line in streams.splitlines() if "WideIntervalWarning" in line]
    assert not wide, f"{name} shows answers wider than their values: {wide}"
    return notebook


def outputs(notebook: nbformat.NotebookNode, kind: str) -> list:
    return [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if kind in o]


def summary(notebook: nbformat.NotebookNode) -> dict:
    """The dict the notebook's last cell prints (its stdout; warnings go to stderr)."""
    printed = [o for o in notebook.cells[-1].outputs if o.get("name") == "stdout"]
    return ast.literal_eval(printed[-1]["text"].strip())


def images(notebook: nbformat.NotebookNode) -> int:
    return sum("image/png" in o.get("data", {}) for o in outputs(notebook, "data"))


def test_enterprise_trends_notebook(demo_gateway, monkeypatch) -> None:
    """Enterprise notebook: firm-months owing tax and insuring staff by industry with error-bar
    plots, and filings by month × district over the declared month range (every month and
    district, no δ) plotted as lines with interval bands; re-running a query is free, so exactly
    two 0.4 ε queries and the 1.0 ε time series are charged on tax, two 0.4 ε queries on social
    insurance."""
    notebook = run_notebook(
        "enterprise_industry_trends.ipynb", "analyst", demo_gateway, monkeypatch
    )
    result = summary(notebook)
    assert result["industries"] == len(DEMO_SECTION_CODES)  # every section of the register
    assert result["months"] == 24  # the demo's declared range 2024-11 … 2026-10
    assert result["districts"] == 10
    assert result["trend_groups"] == result["months"] * result["districts"]
    assert result["trend_delta"] == 0.0
    assert result["spent_tax"] == pytest.approx(1.8)
    assert result["spent_social_insurance"] == pytest.approx(0.8)
    assert result["intervals_hold"] is True
    assert images(notebook) >= 3
    assert not outputs(notebook, "ename")


def test_bank_benchmark_notebook(demo_gateway, monkeypatch) -> None:
    """Bank notebook: district benchmark (mean sales, firm-months in tax arrears) with error
    bars, the share in utility arrears per industry over the full public key set, and tax joined
    with social insurance on the credit code and the month (charged to both datasets), charged
    exactly as planned: tax 1.0 + 0.4 + 0.4 ε, utilities 0.4 + 0.4, social insurance 0.4."""
    notebook = run_notebook("bank_sme_benchmark.ipynb", "banker", demo_gateway, monkeypatch)
    result = summary(notebook)
    assert result["districts"] == result["arrears_districts"] == 10
    assert result["joined_districts"] == 10
    assert result["utility_industries"] == len(DEMO_SECTION_CODES)
    assert result["spent_tax"] == pytest.approx(1.0 + 0.4 + 0.4)
    assert result["spent_utilities"] == pytest.approx(0.4 + 0.4)
    assert result["spent_social_insurance"] == pytest.approx(0.4)
    assert result["history"] == 5
    assert images(notebook) >= 2
    assert not outputs(notebook, "ename")


def test_bank_zcdp_notebook(demo_gateway, monkeypatch) -> None:
    """zCDP notebook (the bank's project under ρ-zCDP): a grouped query at ρ = 0.02 and a join
    at ρ = 0.03 through the SDK, the join's half-width as ``cost()`` planned it; tax spends
    ρ 0.05 and social insurance 0.03, each shown as the ε OpenDP's conversion gives at the
    project's δ (δ once), and the bank's unit level grows by ε of the 0.05 the project spent
    on it — in ρ, not the two datasets' ε's added."""
    notebook = run_notebook(
        "bank_zcdp_benchmark.ipynb", "banker", demo_gateway, monkeypatch, project="zcdp"
    )
    result = summary(notebook)
    delta_pico = round(DEFAULT_DELTA_PER_DATASET * PICO)
    implied = {rho: implied_epsilon_micro(rho, delta_pico) / MICRO for rho in (30_000, 50_000)}
    assert result["accounting"] == ["zcdp"]
    assert result["districts"] == 10 and result["joined_districts"] == 10
    assert result["rho_answers"] == [0.02, 0.03]
    assert result["rho_spent_tax"] == pytest.approx(0.05)
    assert result["rho_spent_social_insurance"] == pytest.approx(0.03)
    assert result["epsilon_spent_tax"] == implied[50_000]
    assert result["epsilon_spent_social_insurance"] == implied[30_000]
    assert result["delta_spent_tax"] == DEFAULT_DELTA_PER_DATASET
    assert result["epsilon_spent_unit"] == pytest.approx(implied[50_000], abs=1e-6)
    assert result["epsilon_spent_unit"] < implied[50_000] + implied[30_000] - 1.0
    assert result["answered_half_width"] == pytest.approx(result["planned_half_width"])
    assert result["planned_half_width"] > 0
    assert images(notebook) >= 1
    assert not outputs(notebook, "ename")
