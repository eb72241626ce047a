"""The 双公示 ruling: a report lists the penalties under publicity that the T1 publication bound
by the source mapping lists, not the T4 credit file's penalties."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lab.credit.aggregates import aggregate, data_as_of
from lab.credit.features import PUBLIC_ITEMS, derive_all, held_scopes
from lab.credit.mapping import shipped_mapping
from lab.credit.refresh import store_features
from lab.credit.sources import source_files
from lab.db import transaction
from lab.identity import OrganisationKind, Role
from lab.identity.accounts import create_organisation
from tests.unit.lab.credit.conftest import (
    ALL_SCOPES,
    BANK,
    CreditWorld,
    as_of_fallback,
    ask,
    token,
)

PUBLIC, FILE = "public_penalties", "penalties"


def _read(files: dict[str, str], input_name: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """An input's file as text, and its field → column binding (from the shipped mapping)."""
    binding = shipped_mapping().bindings[input_name]
    frame = pd.read_csv(files[binding.dataset], dtype=str, keep_default_na=False)
    return frame, dict(binding.columns)


@pytest.fixture
def withdrawn(world: CreditWorld, demo_files: dict[str, str], tmp_path: Path):
    """Features derived after the publication withdrew one decision of an enterprise that keeps
    others; the enterprise's admin, and what the publication and the credit file now hold."""
    published, columns = _read(demo_files, PUBLIC)
    code_column, ref_column = columns["credit_code"], columns["decision_number"]
    sizes = published[code_column].value_counts()
    code = sizes[(sizes >= 2) & (sizes <= PUBLIC_ITEMS)].index[0]
    ref = published.loc[published[code_column] == code, ref_column].iloc[0]
    kept = published[published[ref_column] != ref]
    binding = shipped_mapping().bindings[PUBLIC]
    path = tmp_path / f"{binding.dataset}.csv"
    kept.to_csv(path, index=False)
    sources = source_files(shipped_mapping(), {**demo_files, binding.dataset: str(path)})
    as_of = data_as_of(sources, as_of_fallback())
    rows = derive_all(aggregate(sources, as_of), as_of, held_scopes(set(sources)))
    store_features(world.lab, rows, as_of, actor="test", sources=sorted(sources))
    with transaction(world.lab.sessions) as session:
        create_organisation(
            session,
            world.lab.audit,
            actor="test",
            name="公示企业",
            kind=OrganisationKind.ENTERPRISE,
            credit_code=code,
        )
    admin = token(world.lab, "public-boss", [Role.ENTERPRISE_ADMIN], "公示企业")
    listed = set(kept.loc[kept[code_column] == code, ref_column])
    return code, ref, listed, admin, as_of


def test_a_report_lists_what_the_publication_lists(
    world: CreditWorld, withdrawn, demo_files: dict[str, str]
) -> None:
    """Through the bank route at report level, the enterprise's penalties under publicity are
    exactly the publication's; the withdrawn decision is gone although the T4 credit file still
    holds it as under publicity and unrepaired."""
    code, ref, listed, admin, as_of = withdrawn
    body = {"bank": BANK, "purpose": "loan_application", "scopes": ALL_SCOPES, "level": "report"}
    granted = world.client.post("/api/credit/enterprise/consents", json=body, headers=admin)
    assert granted.status_code == 201, granted.text
    response = ask(world, granted.json()["consent"]["consent_id"], code=code)
    assert response.status_code == 200, response.text
    public = response.json()["scopes"]["licences_penalties"]["public_items"]
    shown = {item["ref"] for item in public["penalties_under_publicity"]}
    assert shown == listed and ref not in shown
    credit_file, columns = _read(demo_files, FILE)
    row = credit_file[credit_file[columns["decision_number"]] == ref].iloc[0]
    assert row[columns["publicity_ends"]] > as_of.isoformat()
    assert row[columns["repair_status"]] not in shipped_mapping().bindings[FILE].codes["repaired"]
