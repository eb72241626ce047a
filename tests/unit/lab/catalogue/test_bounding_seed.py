"""The bounding seed through the real publication path: ingest → decide → DP metadata → publish.

Every unit has more rows than its bound, so publication cuts every unit. The rows a unit keeps
must depend only on its own rows and the dataset's secret seed: not on the file, other units or
row order (the audit in issue 12 measured ε ≥ 3.84 for a claimed 1 when they did).
"""

from __future__ import annotations

import json

import pyarrow.parquet as pq
from sqlalchemy import select

from classification import Tier
from lab.catalogue.versions.bounding_seed import seed_key
from lab.catalogue.versions.datasets import DatasetMeta, get_version
from lab.catalogue.versions.decisions import decide
from lab.catalogue.versions.dp_metadata import DpDeclaration, set_dp_metadata
from lab.catalogue.versions.publishing import publish
from lab.db import transaction
from lab.db.models import AuditEntry
from lab.ingest.pipeline import ingest
from lab.services import LabServices
from tests.unit.lab.ingest import tables

UNIT, PERIOD, DISTRICT, AMOUNT = "统一社会信用代码", "所属期", "所属区", "应纳税额（元）"
MONTHS, BOUND = 8, 3


def _rows(units: int) -> list[list[object]]:
    return [
        [code, f"2026-{m:02d}", tables.DISTRICTS[u % 8], 1000 * (u + 1) + m]
        for u, code in enumerate(tables.firms(units))
        for m in range(1, MONTHS + 1)
    ]


def publish_rows(lab: LabServices, folder, slug: str, rows: list[list[object]]) -> int:
    """Ingest ``rows`` as a new version of ``slug``, decide T3, declare and publish it."""
    path = tables.write_csv(
        folder / f"{slug}-{len(rows)}.csv", [UNIT, PERIOD, DISTRICT, AMOUNT], rows
    )
    with path.open("rb") as stream:
        outcome = ingest(
            lab,
            stream,
            path.name,
            DatasetMeta(title="纳税", department="税务局", slug=slug),
            actor="s",
        )
    declaration = DpDeclaration(
        UNIT, BOUND, {AMOUNT: (0, 10**6)}, {DISTRICT: "qingdao_district_name"}
    )
    with transaction(lab.sessions) as s:
        version = get_version(s, outcome.version_id)
        decide(s, lab.audit, version=version, tier=Tier.T3, justification="", actor="s")
        set_dp_metadata(s, lab.audit, version=version, declaration=declaration, actor="s")
    publish(lab, version_id=outcome.version_id, actor="s")
    return outcome.version_id


def kept_rows(lab: LabServices, version_id: int) -> dict[str, set[tuple]]:
    """The published cut of a version, decrypted with the lab's own sealed store, per unit."""
    with lab.sessions() as s:
        key = get_version(s, version_id).objects["data.parquet"]
    with lab.sealed.open_plaintext_memfd(key) as plaintext:
        table = pq.read_table(plaintext).to_pylist()
    kept: dict[str, set[tuple]] = {}
    for row in table:
        kept.setdefault(row[UNIT], set()).add((row[PERIOD], row[AMOUNT]))
    return kept


def test_removing_a_unit_keeps_every_other_units_rows(lab: LabServices, tmp_path) -> None:
    """Publishing D, then D minus one unit (rows reversed) as the next version, leaves every
    other unit's kept rows exactly as they were."""
    rows = _rows(30)
    first = kept_rows(lab, publish_rows(lab, tmp_path, "tax", rows))
    target = rows[0][0]
    without = [r for r in reversed(rows) if r[0] != target]
    second = kept_rows(lab, publish_rows(lab, tmp_path, "tax", without))
    assert all(len(k) == BOUND for k in first.values())
    assert target not in second
    assert second == {unit: kept for unit, kept in first.items() if unit != target}


def test_identical_files_in_two_datasets_are_cut_with_different_seeds(
    lab: LabServices, tmp_path
) -> None:
    """Two datasets publishing the same file draw their own seeds, so their cuts differ."""
    rows = _rows(30)
    one = kept_rows(lab, publish_rows(lab, tmp_path, "tax-a", rows))
    two = kept_rows(lab, publish_rows(lab, tmp_path, "tax-b", rows))
    assert one.keys() == two.keys()
    assert sum(one[u] != two[u] for u in one) >= 10


def test_seed_is_sealed_rotatable_and_never_recorded(lab: LabServices, tmp_path) -> None:
    """The seed is a sealed object under the lab's keys (so rotation covers it), its plaintext is
    not in the stored object, and neither the audit log nor the bounding record holds it."""
    publish_rows(lab, tmp_path, "tax", _rows(12))
    key = seed_key("restricted/tax")
    secret = b"".join(lab.sealed.get(key))
    assert len(secret) == 32
    assert lab.sealed.kek_usage(key) == {lab.sealed.keyring.active_id: 1}
    stored = b"".join(lab.store.get(key))
    assert secret not in stored and secret.hex().encode() not in stored
    with lab.sessions() as s:
        entries = s.scalars(select(AuditEntry)).all()
        text = " ".join(e.details for e in entries)
        published = json.loads(next(e.details for e in entries if e.action == "dataset.publish"))
    assert published["bounding"]["units_truncated"] == 12
    assert "seed" not in text and secret.hex() not in text
