"""Time series through the real routes: a steward declares a month range, an analyst groups by it.

The steward uses the steward API (and the CLI) as a user would; the analyst's sandbox token asks
the gateway over HTTP. A grouped query over the declared months returns every month — empty ones
included — with no δ; a range too large is refused at declaration with its reason and nothing is
stored; the declared range follows the served version when a new version changes it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lab.db.models import AuditEntry, DpMetadata
from lab.identity import Role
from lab.services import LabServices, open_services
from lab.settings import LabSettings
from tests.unit.lab.api.test_steward_api import bearer, steward_app, upload
from tests.unit.lab.cli.shell import datalab
from tests.unit.lab.gateway.restricted import sandbox_token
from tests.unit.lab.ingest import tables

META = {"title": "青岛市企业月度纳税", "department": "市税务局", "slug": "monthly-tax"}
UNIT, MONTH, DISTRICT, AMOUNT = "统一社会信用代码", "所属期", "所属区", "应纳税额（元）"
BY_MONTH_AND_DISTRICT = (
    f'SELECT "{MONTH}", "{DISTRICT}", COUNT(*) FROM "monthly-tax" GROUP BY "{MONTH}", "{DISTRICT}"'
)


def declaration(months: str, **domains: str) -> dict:
    """The DP metadata of the monthly test table with ``months`` as the month column's domain."""
    return {
        "privacy_unit": UNIT,
        "max_rows_per_unit": 6,
        "bounds": {AMOUNT: [0, 10**9]},
        "domains": {MONTH: months, DISTRICT: "qingdao_district_name", **domains},
    }


def publish_version(client: TestClient, folder: Path, months: int, domain: str) -> int:
    """Ingest a monthly table of ``months`` months (2026-01 …), decide T3, declare, publish."""
    folder.mkdir()
    path = tables.monthly_table(folder, units=12, months=months)
    version_id = upload(client, path, **META).json()["version_id"]
    assert client.post(
        f"/api/steward/versions/{version_id}/decision", json={"tier": "T3"}
    ).is_success
    declared = client.put(
        f"/api/steward/versions/{version_id}/dp-metadata", json=declaration(domain)
    )
    assert declared.status_code == 200, declared.text
    assert declared.json()["domains"][MONTH] == domain
    assert client.post(f"/api/steward/versions/{version_id}/publish").is_success
    return version_id


@pytest.fixture
def steward(lab: LabServices):
    with TestClient(steward_app(lab)) as client:
        client.headers.update(bearer(lab, "steward", Role.STEWARD))
        yield client


def ask(client: TestClient, token: str, sql: str, epsilon: float = 1.0, delta: float = 0.0):
    return client.post(
        "/api/gateway/query",
        json={"dataset": "monthly-tax", "sql": sql, "epsilon": epsilon, "delta": delta},
        headers={"Authorization": f"Bearer {token}"},
    )


def schema(client: TestClient, token: str) -> dict[str, dict]:
    answer = client.get(
        "/api/gateway/datasets/monthly-tax", headers={"Authorization": f"Bearer {token}"}
    ).json()
    return {column["name"]: column for column in answer["columns"]}


def test_month_by_district_returns_every_month_without_delta(
    steward: TestClient, lab: LabServices, tmp_path: Path
) -> None:
    """Data for 2026-01 … 2026-04, range declared to 2026-06: the analyst sees the range in the
    schema, and month × district answers all 6 × 10 groups in time order (the two months
    without data included) at δ = 0, with notes; the δ budget is untouched."""
    publish_version(steward, tmp_path / "v1", 4, "months:2026-01:2026-06")
    token = sandbox_token(lab, budgets={"monthly-tax": 5.0})
    column = schema(steward, token)[MONTH]
    assert column["domain_spec"] == "months:2026-01:2026-06"
    assert column["domain"] == [f"2026-0{m}" for m in range(1, 7)]
    response = ask(steward, token, BY_MONTH_AND_DISTRICT)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["delta"] == 0.0 and answer["epsilon"] == pytest.approx(1.0)
    months = [row[MONTH] for row in answer["rows"]]
    assert months == [f"2026-0{m}" for m in range(1, 7) for _ in range(10)]
    assert len({(row[MONTH], row[DISTRICT]) for row in answer["rows"]}) == 60
    assert answer["notes"][0].startswith(f'"{MONTH}": values outside its declared domain')
    budget = steward.get(
        "/api/gateway/budget", headers={"Authorization": f"Bearer {token}"}
    ).json()["budgets"][0]
    assert budget["delta_spent"] == 0.0 and budget["spent"] == pytest.approx(1.0)


def test_a_domain_over_the_limit_is_refused_at_declaration_with_the_reason(
    steward: TestClient, lab: LabServices, tmp_path: Path
) -> None:
    """A day range of 3.6M groups, and bins on a column without bounds, are 400s saying why;
    nothing is stored or audited. A lower limit from settings refuses a smaller range too."""
    version_id = upload(steward, tables.monthly_table(tmp_path), **META).json()["version_id"]
    steward.post(f"/api/steward/versions/{version_id}/decision", json={"tier": "T3"})
    route = f"/api/steward/versions/{version_id}/dp-metadata"
    huge = steward.put(route, json=declaration("days:0001-01-01:9999-12-31"))
    assert huge.status_code == 400
    message = huge.json()["error"]["message"]
    assert "3,652,059 groups, more than the 100,000" in message and f"'{MONTH}'" in message
    unbounded = steward.put(route, json=declaration("months:2026-01:2026-06", 所属区="bins:0:9:3"))
    assert unbounded.status_code == 400
    assert "numeric bins of '所属区' need bounds" in unbounded.json()["error"]["message"]
    malformed = steward.put(route, json=declaration("months:2026-01:2026-13"))
    assert "'2026-13' is not a period of months" in malformed.json()["error"]["message"]
    with lab.sessions() as s:
        assert s.get(DpMetadata, version_id) is None
        assert not [e for e in s.query(AuditEntry).all() if e.action == "dp_metadata.set"]


def test_the_declared_range_follows_the_served_version(
    steward: TestClient, lab: LabServices, tmp_path: Path
) -> None:
    """Version 1 declares 2026-01 … 2026-04; version 2 (six months of data) declares 2026-03 …
    2026-08. After each publication the schema and the answer's groups are that version's
    range: months of data outside it (2026-01/02 in version 2) fall in no group."""
    publish_version(steward, tmp_path / "v1", 4, "months:2026-01:2026-04")
    token = sandbox_token(lab, budgets={"monthly-tax": 5.0})
    by_month = f'SELECT "{MONTH}", COUNT(*) FROM "monthly-tax" GROUP BY "{MONTH}"'
    first = ask(steward, token, by_month, epsilon=2.0).json()
    assert [row[MONTH] for row in first["rows"]] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    publish_version(steward, tmp_path / "v2", 6, "months:2026-03:2026-08")
    assert schema(steward, token)[MONTH]["domain_spec"] == "months:2026-03:2026-08"
    second = ask(steward, token, by_month, epsilon=2.0).json()
    assert not second["cached"]
    rows = {row[MONTH]: row for row in second["rows"]}
    assert list(rows) == [f"2026-0{m}" for m in range(3, 9)]
    # 12 units each month: the months with data count about 12, the empty ones about 0
    # (ε = 2 at 6 rows per unit: noise scale 3, so ±25 holds with overwhelming probability)
    assert all(abs(rows[m]["count(*)"] - 12) < 25 for m in ("2026-03", "2026-04", "2026-06"))
    assert all(abs(rows[m]["count(*)"]) < 25 for m in ("2026-07", "2026-08"))
    assert "months 2026-03 … 2026-08 (6)" in second["notes"][0]


def test_cli_declares_a_month_range_and_refuses_one_too_large(tmp_path: Path) -> None:
    """``datalab dataset dp … --domain 所属期:months:2026-01:2026-06`` stores the range; with
    DATALAB_GATEWAY_MAX_DOMAIN_GROUPS=5 the same six months are one clear line, nothing stored;
    ``--unique 所属期`` declares the month unique per unit."""
    home = tmp_path / "home"
    lab = open_services(LabSettings(home=home))
    try:
        with TestClient(steward_app(lab)) as client:
            client.headers.update(bearer(lab, "steward", Role.STEWARD))
            path = tables.monthly_table(tmp_path, units=5, months=4)
            version_id = upload(client, path, **META).json()["version_id"]
            client.post(f"/api/steward/versions/{version_id}/decision", json={"tier": "T3"})
    finally:
        lab.close()
    args = ("dataset", "dp", str(version_id), "--unit", UNIT, "--max-rows", "6")
    domains = (
        "--domain",
        f"{MONTH}:months:2026-01:2026-06",
        "--domain",
        f"{DISTRICT}:qingdao_district_name",
    )
    refused = datalab(home, *args, *domains, DATALAB_GATEWAY_MAX_DOMAIN_GROUPS="5")
    assert refused.returncode == 2
    assert "has 6 groups, more than the 5 a domain may hold" in refused.stderr
    assert refused.stderr.strip().count("\n") == 0
    declared = datalab(home, *args, *domains, "--unique", MONTH)
    assert declared.returncode == 0, declared.stderr
    lab = open_services(LabSettings(home=home))
    try:
        with lab.sessions() as s:
            stored = s.get(DpMetadata, version_id)
            assert stored.domains == {
                MONTH: "months:2026-01:2026-06",
                DISTRICT: "qingdao_district_name",
            }
            assert stored.unique_per_unit == [MONTH]
    finally:
        lab.close()
