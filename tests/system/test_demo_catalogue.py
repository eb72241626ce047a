"""Every demo dataset reaches its intended tier through the real ingest path, with no override."""

from __future__ import annotations

from sqlalchemy import select

from lab.db import transaction
from lab.db.models import Organisation
from lab.demo import DemoManifest, generate_demo_data
from lab.demo.accounts import seed_demo_accounts
from lab.demo.catalogue import load_demo_catalogue
from lab.demo.projects import DEMO_PROJECTS, seed_demo_projects
from lab.gateway.org_budgets import organisation_levels
from lab.services import LabServices
from opendata.portal.catalogue import get_public, list_public, open_rows
from opendata.portal.search import SearchQuery, search
from opendata.web.charts import chart_for

OPEN = ("T1", "T2")


def test_demo_catalogue_tiers(lab: LabServices, tmp_path) -> None:
    """Ingest → classify → decide → publish: proposals equal intended tiers; T5 rejected."""
    data = tmp_path / "demo"
    generate_demo_data(data, scale=300, seed=11)
    results = load_demo_catalogue(lab, data)
    assert len(results) >= 20
    for result in results:
        assert result.proposed == result.intended, result
    states = {r.slug: r.state for r in results}
    assert {r.state for r in results if r.intended == "T5"} == {"rejected"}
    assert sum(state == "published" for state in states.values()) >= 18
    assert lab.audit.verify().ok
    _assert_a_city_sized_open_catalogue(data, states)
    _assert_dictionaries_are_served(lab)
    _assert_coordinates_are_mapped(lab)
    again = load_demo_catalogue(lab, data)
    assert {r.state for r in again} == {"already loaded"}


def _assert_a_city_sized_open_catalogue(data, states: dict[str, str]) -> None:
    """At least 40 published open (T1/T2) datasets from 10 departments on 10 topics, each of
    the everyday ones with a dictionary describing every column it has."""
    manifest = DemoManifest.read(data / "manifest.json")
    published_open = [
        d for d in manifest.datasets if d.intended_tier in OPEN and states[d.id] == "published"
    ]
    assert len(published_open) >= 40
    assert len({d.topic for d in published_open}) >= 10
    assert len({d.department for d in published_open}) >= 10
    described = [d for d in published_open if d.dictionary]
    assert len(described) >= 33
    for dataset in described:
        assert [column for column, _ in dataset.dictionary] == list(dataset.columns), dataset.id
        assert all(text.strip() for _, text in dataset.dictionary), dataset.id


def _assert_dictionaries_are_served(lab: LabServices) -> None:
    """Columns are described from each dataset's own dictionary: 企业 no longer finds the
    air-quality or bus datasets through 所属区's category; the T2 extract is described too."""
    with lab.sessions() as session:
        air = {c.name: c for c in get_public(session, "air-quality-hourly").columns}
        enterprise = search(session, SearchQuery(text="企业", limit=100))
        annual = {c.name: c for c in get_public(session, "annual-report-details").columns}
    assert air["所属区"].description == "监测站点所在的区（市）"
    assert air["所属区"].category_name == "企业登记公开信息"
    found = {d.slug for d in enterprise.results}
    assert not found & {"air-quality-hourly", "bus-routes", "bus-stops"}, found
    assert "annual-report-details" in found
    assert annual["行业门类"].description.startswith("国民经济行业分类")


def test_demo_projects_are_approved_once(lab: LabServices, tmp_path) -> None:
    """The demo's enterprise and bank get approved projects with budgets, created only once."""
    data = tmp_path / "demo"
    generate_demo_data(data, scale=300, seed=11)
    load_demo_catalogue(lab, data)
    with transaction(lab.sessions) as session:
        seed_demo_accounts(session, lab.audit)
        first = [(p.id, p.state) for p in seed_demo_projects(session, lab.audit)]
    with transaction(lab.sessions) as session:
        second = [(p.id, p.state) for p in seed_demo_projects(session, lab.audit)]
    assert first == second and len(first) == len(DEMO_PROJECTS)
    assert {state for _, state in first} == {"approved"}


def test_demo_bank_is_capped_once_about_each_enterprise(lab: LabServices, tmp_path) -> None:
    """The demo bank's 5 ε on each of tax, social insurance and utilities all count against one
    organisation × unit budget (the credit code), not 15 ε about each enterprise."""
    data = tmp_path / "demo"
    generate_demo_data(data, scale=300, seed=11)
    load_demo_catalogue(lab, data)
    with transaction(lab.sessions) as session:
        seed_demo_accounts(session, lab.audit)
        seed_demo_projects(session, lab.audit)
    bank = DEMO_PROJECTS[1]
    with lab.sessions() as session:
        bank_id = session.scalar(
            select(Organisation.id).where(Organisation.name == bank.organisation)
        )
        scopes = [level.scope for level in organisation_levels(session, bank_id)]
    assert sorted(scopes) == sorted(
        [f"dataset:{slug}" for slug in bank.budgets] + ["unit:category:ENTERPRISE_ID"]
    )


def _assert_coordinates_are_mapped(lab: LabServices) -> None:
    """Every open dataset with 经度 and 纬度 (bus stops, air-quality stations, places) pages a
    map of its points, never a line or histogram of a coordinate."""
    with lab.sessions() as session:
        located = [
            (d, open_rows(lab, session, d))
            for d in list_public(session)
            if d.is_open and {"经度", "纬度"} <= {c.name for c in d.columns}
        ]
    assert {"bus-stops", "air-quality-hourly"} <= {d.slug for d, _ in located}
    for dataset, path in located:
        chart = chart_for(dataset, path)
        assert chart is not None and chart.kind == "map", (dataset.slug, chart and chart.kind)
