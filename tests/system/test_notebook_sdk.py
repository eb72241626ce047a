"""The notebook client against a real lab server: schema, mock, DP query with intervals, budget."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest
import uvicorn

from lab.app import create_app
from lab.services import LabServices
from sandbox.client import Lab, LabError, WideIntervalWarning
from tests.unit.lab.gateway.restricted import publish_tax_table, sandbox_token


@pytest.fixture
def served(sqlite_lab: LabServices, tmp_path):
    publish_tax_table(sqlite_lab, tmp_path, canary=918273645)
    token = sandbox_token(sqlite_lab)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(sqlite_lab), host="127.0.0.1", port=port, log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(f"{url}/healthz", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    yield url, token
    server.should_exit = True
    thread.join(timeout=10)


def test_analyst_journey_through_the_sdk(served, monkeypatch) -> None:
    """Lab() from the environment: datasets, schema, mock, cost, query, budget, history."""
    url, token = served
    monkeypatch.setenv("DATALAB_GATEWAY_URL", url)
    monkeypatch.setenv("DATALAB_GATEWAY_TOKEN", token)
    lab = Lab()
    assert lab.datasets()["name"].tolist() == ["tax"]
    assert lab.schema("tax").attrs["privacy_unit"] == "统一社会信用代码"
    assert len(lab.mock("tax", 5)) == 5
    sql = 'SELECT "所属区", COUNT(*), SUM("应纳税额（元）") FROM tax GROUP BY "所属区"'
    assert lab.cost(sql, epsilon=0.4)["epsilon"] == 0.4
    with pytest.warns(WideIntervalWarning, match="wider than the values"):
        frame = lab.query(sql, epsilon=0.4)  # ten small districts: counts of ~50, ±60
    assert len(frame) == 10 and {"count(*)", "count(*)_low", "count(*)_high"} <= set(frame)
    assert (frame["count(*)_low"] <= frame["count(*)"]).all()
    assert "918273645" not in frame.to_string()
    assert lab.budget()["remaining"].tolist() == [pytest.approx(0.6)]
    assert lab.history()["state"].tolist() == ["released"]


def test_sdk_surfaces_gateway_errors(served) -> None:
    """A rejected query and a bad token come back as LabError with the gateway's code."""
    url, token = served
    with pytest.raises(LabError) as rejected:
        Lab(url=url, token=token).query("SELECT * FROM tax", epsilon=0.1)
    assert rejected.value.code == "query_rejected"
    with pytest.raises(LabError) as refused:
        Lab(url=url, token="cdl_00000000_" + "x" * 43).datasets()
    assert refused.value.status == 401


def test_zcdp_and_accuracy_first_through_the_sdk(served, sqlite_lab: LabServices) -> None:
    """A zCDP project in a notebook: ask the ρ that gives ±60 on the counts, spend it, get
    Gaussian answers that are that tight, and see ρ in the budget."""
    url, _ = served
    lab = Lab(url=url, token=sandbox_token(sqlite_lab, rho=0.1, username="zcdp"))
    sql = 'SELECT "所属区", COUNT(*) FROM tax GROUP BY "所属区"'
    estimate = lab.cost(sql, target_half_width=60, aggregate="count(*)")
    assert estimate["accounting"] == "zcdp" and estimate["accuracy"][0]["half_width"] <= 60
    with pytest.warns(WideIntervalWarning):
        frame = lab.query(sql, rho=estimate["rho"])  # ±60 on counts of ~50
    assert ((frame["count(*)_high"] - frame["count(*)"]) <= 60).all()
    assert frame.attrs["rho"] == estimate["rho"] and frame.attrs["epsilon"] > 0
    budget = lab.budget()
    assert budget["accounting"].tolist() == ["zcdp"]
    assert budget["rho_spent"].tolist() == [pytest.approx(estimate["rho"])]
