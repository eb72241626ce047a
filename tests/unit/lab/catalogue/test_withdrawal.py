"""Withdrawing a published dataset: every reader stops serving it at the commit, the audit log
holds the reason, bad requests change nothing, and a new version serves it again."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from lab.app import create_app
from lab.catalogue.versions.listing import published_datasets
from lab.catalogue.versions.withdrawal import withdraw
from lab.errors import Conflict, InvalidInput, NotFound
from lab.services import LabServices
from tests.unit.lab.gateway.restricted import publish_tax_table, sandbox_token
from tests.unit.opendata.seed import publish_table, write_csv

REASON = "来源部门更正数据后重新发布"


def _served(lab: LabServices) -> list[str]:
    with lab.sessions() as session:
        return [d.slug for d in published_datasets(session)]


def _bus(lab: LabServices, folder) -> int:
    rows = [[f"{n}路", "2"] for n in range(1, 30)]
    path = write_csv(folder / f"bus-{len(_served(lab))}.csv", ["线路名称", "票价（元）"], rows)
    return publish_table(lab, path, "bus-routes", title="公交线路信息", topic="交通出行")


def test_withdrawn_open_dataset_leaves_portal_api_and_list(lab: LabServices, tmp_path) -> None:
    """Page, per-dataset API and CKAN API serve it before and 404 after; the list drops it and
    the audit entry names the version, tier and reason."""
    _bus(lab, tmp_path)
    with TestClient(create_app(lab)) as client:
        paths = ("/datasets/bus-routes", "/api/datasets/bus-routes")
        assert [client.get(p).status_code for p in paths] == [200, 200]
        withdrawn = withdraw(lab, slug="bus-routes", reason=REASON, actor="steward")
        assert withdrawn.state == "withdrawn"
        assert [client.get(p).status_code for p in paths] == [404, 404]
        shown = client.get("/api/3/action/package_show", params={"id": "bus-routes"})
        assert shown.status_code == 404
        found = client.get("/api/3/action/package_search", params={"q": "公交"}).json()
        assert found["result"]["count"] == 0
    assert _served(lab) == []
    entry = [r for r in lab.audit.records() if r.action == "dataset.withdraw"]
    assert len(entry) == 1 and entry[0].actor == "steward"
    assert '"reason":"来源部门更正数据后重新发布"' in entry[0].details
    assert '"tier":"T1"' in entry[0].details and '"version":1' in entry[0].details


def test_withdrawn_restricted_dataset_leaves_the_gateway(lab: LabServices, tmp_path) -> None:
    """A sandbox token that could read the T3 table's schema gets 404 once it is withdrawn."""
    publish_tax_table(lab, tmp_path)
    token = {"Authorization": f"Bearer {sandbox_token(lab)}"}
    with TestClient(create_app(lab)) as client:
        assert client.get("/api/gateway/datasets/tax", headers=token).status_code == 200
        withdraw(lab, slug="tax", reason=REASON, actor="steward")
        assert client.get("/api/gateway/datasets/tax", headers=token).status_code == 404


def test_bad_withdrawals_change_nothing(lab: LabServices, tmp_path) -> None:
    """A short reason, an unknown slug and a second withdrawal are refused with no audit entry."""
    _bus(lab, tmp_path)
    before = len(lab.audit.records())
    with pytest.raises(InvalidInput):
        withdraw(lab, slug="bus-routes", reason="  短  ", actor="steward")
    with pytest.raises(NotFound):
        withdraw(lab, slug="no-such-data", reason=REASON, actor="steward")
    assert _served(lab) == ["bus-routes"] and len(lab.audit.records()) == before
    withdraw(lab, slug="bus-routes", reason=REASON, actor="steward")
    with pytest.raises(Conflict):
        withdraw(lab, slug="bus-routes", reason=REASON, actor="steward")


def test_new_version_serves_it_again_and_list_counts_versions(lab: LabServices, tmp_path):
    """After a withdrawal, publishing a new version serves the dataset, listed as v2 of 2."""
    _bus(lab, tmp_path)
    withdraw(lab, slug="bus-routes", reason=REASON, actor="steward")
    _bus(lab, tmp_path)
    with lab.sessions() as session:
        (listed,) = published_datasets(session)
    assert (listed.slug, listed.version, listed.versions, listed.tier) == ("bus-routes", 2, 2, "T1")
