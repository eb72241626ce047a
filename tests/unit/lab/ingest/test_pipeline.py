"""Ingest end to end: stage, classify, decide, declare, publish — on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select

from classification import Tier
from lab.audit.checkpoints import CHECKPOINT_PREFIX
from lab.catalogue.versions import publishing
from lab.catalogue.versions.datasets import DatasetMeta, get_dataset, get_version
from lab.catalogue.versions.decisions import decide
from lab.catalogue.versions.dp_metadata import DpDeclaration, set_dp_metadata
from lab.catalogue.versions.publishing import publish
from lab.catalogue.versions.staged import SEALED_FOLDER, open_staged
from lab.db import transaction
from lab.db.models import DatasetVersion
from lab.errors import Conflict, InvalidInput, PermissionDenied
from lab.ingest.pipeline import ingest
from lab.services import LabServices
from tests.unit.lab.ingest import tables

STEWARD = "steward"


def _ingest(lab: LabServices, path, slug: str = "ds-one"):
    meta = DatasetMeta(title="测试数据", department="市大数据局", slug=slug)
    with path.open("rb") as stream:
        return ingest(lab, stream, path.name, meta, actor=STEWARD)


def _decide(lab: LabServices, version_id: int, tier: Tier, justification: str = "") -> None:
    with transaction(lab.sessions) as s:
        decide(
            s,
            lab.audit,
            version=get_version(s, version_id),
            tier=tier,
            justification=justification,
            actor=STEWARD,
        )


def _declare(lab: LabServices, version_id: int, max_rows: int = 6) -> None:
    declaration = DpDeclaration(
        "统一社会信用代码",
        max_rows,
        {"应纳税额（元）": (0, 1e6)},
        {"所属区": "qingdao_district_name"},
    )
    with transaction(lab.sessions) as s:
        set_dp_metadata(
            s, lab.audit, version=get_version(s, version_id), declaration=declaration, actor=STEWARD
        )


def _staging_empty(lab: LabServices) -> bool:
    root = lab.settings.home / "staging"
    return not root.exists() or not any(root.iterdir())


def test_open_table_published_and_versioned(lab: LabServices, tmp_path) -> None:
    """A T1 table publishes; a second version replaces it atomically; staging is cleaned."""
    first = _ingest(lab, tables.open_table(tmp_path, rows=30))
    assert first.classification.tier == Tier.T1 and not first.rejected
    _decide(lab, first.version_id, Tier.T1)
    published = publish(lab, version_id=first.version_id, actor=STEWARD)
    data = lab.store.read_bytes(published.objects["data.parquet"])
    assert pq.read_table(io.BytesIO(data)).num_rows == 30
    second = _ingest(lab, tables.open_table(tmp_path, rows=50))
    _decide(lab, second.version_id, Tier.T1)
    publish(lab, version_id=second.version_id, actor=STEWARD)
    with lab.sessions() as s:
        dataset = get_dataset(s, "ds-one")
        assert dataset.current_version_id == second.version_id
        assert get_version(s, first.version_id).state == "superseded"
    assert _staging_empty(lab) and lab.audit.verify().ok


def _data_objects(lab: LabServices) -> list[str]:
    """Every object but the audit log's checkpoints (which hold no data)."""
    return [o.key for o in lab.store.list("") if not o.key.startswith(CHECKPOINT_PREFIX)]


def test_prohibited_file_rejected_and_nothing_kept(lab: LabServices, tmp_path) -> None:
    """A T5 file is rejected at ingest: staging purged, no objects, the rejection audited."""
    outcome = _ingest(lab, tables.prohibited_table(tmp_path))
    assert outcome.rejected and outcome.classification.tier == Tier.T5
    assert _staging_empty(lab) and _data_objects(lab) == []
    assert lab.audit.records()[-1].action == "dataset.reject"
    with transaction(lab.sessions) as s, pytest.raises(Conflict):
        decide(
            s,
            lab.audit,
            version=get_version(s, outcome.version_id),
            tier=Tier.T4,
            justification="try to rescue it",
            actor=STEWARD,
        )


def test_restricted_profile_hides_values(lab: LabServices, tmp_path) -> None:
    """Top values and ranges are kept only for columns that may be shown (T1)."""
    outcome = _ingest(lab, tables.person_table(tmp_path))
    with lab.sessions() as s:
        profile = {p["name"]: p for p in get_version(s, outcome.version_id).profile}
    assert profile["身份证号"]["top_values"] == [] and profile["身份证号"]["min"] is None
    assert profile["身份证号"]["rows"] == 40 and profile["身份证号"]["nulls"] == 0


def test_lowering_rules(lab: LabServices, tmp_path) -> None:
    """Lowering needs a justification, T3+ never drops to T1 by decision, raising is free."""
    outcome = _ingest(lab, tables.person_table(tmp_path))
    with pytest.raises(InvalidInput, match="justification"):
        _decide(lab, outcome.version_id, Tier.T3)
    with pytest.raises(PermissionDenied, match="cannot be lowered to T1"):
        _decide(lab, outcome.version_id, Tier.T1, "these are all public figures")
    _decide(lab, outcome.version_id, Tier.T3, "pseudonymised keys only in sandbox")
    record = lab.audit.records()[-1]
    assert record.action == "classification.lower" and "pseudonymised" in record.details


def test_restricted_table_sealed_and_bounded(lab: LabServices, tmp_path) -> None:
    """T3 data is stored encrypted and each unit keeps at most its declared rows."""
    canary = 987654321
    outcome = _ingest(lab, tables.monthly_table(tmp_path, units=20, months=6, canary=canary))
    assert outcome.classification.tier == Tier.T3
    _decide(lab, outcome.version_id, Tier.T3)
    with pytest.raises(Conflict, match="DP metadata"):
        publish(lab, version_id=outcome.version_id, actor=STEWARD)
    _declare(lab, outcome.version_id, max_rows=4)
    published = publish(lab, version_id=outcome.version_id, actor=STEWARD)
    key = published.objects["data.parquet"]
    assert str(canary).encode() not in lab.store.read_bytes(key)
    table = pq.read_table(io.BytesIO(b"".join(lab.sealed.get(key)))).to_pandas()
    assert len(table) == 20 * 4 and table.groupby("统一社会信用代码").size().max() == 4
    assert str(table["应纳税额（元）"].dtype) == "int64"


def test_publishing_a_restricted_table_writes_no_plaintext_file(
    lab: LabServices, tmp_path, monkeypatch
) -> None:
    """The bounded table is built in memory and sealed: when the build ends, no file in the
    staging folder or the lab's home is a Parquet table or holds the canary."""
    canary = 987654321
    outcome = _ingest(lab, tables.monthly_table(tmp_path, units=20, months=6, canary=canary))
    _decide(lab, outcome.version_id, Tier.T3)
    _declare(lab, outcome.version_id, max_rows=4)
    seen: dict[Path, bytes] = {}

    def build_and_look(staged, target, *args, **kwargs):
        record = building(staged, target, *args, **kwargs)
        seen.update((p, p.read_bytes()) for p in lab.settings.home.rglob("*") if p.is_file())
        return record

    building = publishing.build_restricted_table
    monkeypatch.setattr(publishing, "build_restricted_table", build_and_look)
    publish(lab, version_id=outcome.version_id, actor=STEWARD)
    assert seen
    for path, data in seen.items():
        assert not data.startswith(b"PAR1") and str(canary).encode() not in data, path


def test_version_awaiting_decision_is_encrypted_at_rest(lab: LabServices, tmp_path) -> None:
    """After ingest, staging holds only ciphertext: no upload copy, no plaintext table."""
    canary = 987654321
    outcome = _ingest(lab, tables.monthly_table(tmp_path, units=20, months=6, canary=canary))
    with lab.sessions() as s:
        folder = Path(get_version(s, outcome.version_id).staging_dir)
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files and all(p.relative_to(folder).parts[0] == SEALED_FOLDER for p in files)
    assert not any(str(canary).encode() in p.read_bytes() for p in files)
    with open_staged(folder, lab.sealed.keyring) as plaintext:
        staged = pq.read_table(plaintext).to_pandas()
    assert canary in staged["应纳税额（元）"].astype(int).tolist()


def test_dp_metadata_validation(lab: LabServices, tmp_path) -> None:
    """DP metadata naming unknown columns, bad bounds or private domains is refused."""
    outcome = _ingest(lab, tables.monthly_table(tmp_path))
    _decide(lab, outcome.version_id, Tier.T3)
    bad = [
        DpDeclaration("无此列", 6, {}, {}),
        DpDeclaration("统一社会信用代码", 0, {}, {}),
        DpDeclaration("统一社会信用代码", 6, {"应纳税额（元）": (5, 1)}, {}),
        DpDeclaration("统一社会信用代码", 6, {"所属区": (0, 1)}, {}),
        DpDeclaration("统一社会信用代码", 6, {}, {"所属区": "values_from_the_data"}),
    ]
    for declaration in bad:
        with transaction(lab.sessions) as s, pytest.raises(InvalidInput):
            set_dp_metadata(
                s,
                lab.audit,
                version=get_version(s, outcome.version_id),
                declaration=declaration,
                actor=STEWARD,
            )


@pytest.mark.parametrize(
    "content",
    [b"", "站点,名称\n".encode(), b"a,b\n1,2\n3\n", b"a,a\n1,2\n"],
)
def test_bad_input_leaves_nothing(lab: LabServices, tmp_path, content) -> None:
    """A refused upload leaves no staging folder, no version row and no object."""
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InvalidInput):
        _ingest(lab, path)
    with lab.sessions() as s:
        assert s.scalar(select(func.count()).select_from(DatasetVersion)) == 0
    assert _staging_empty(lab) and _data_objects(lab) == []


def test_failed_publish_keeps_previous_version(lab: LabServices, tmp_path) -> None:
    """A T2 extract that fails its gate stops the publication; the previous version stays."""
    first = _ingest(lab, tables.open_table(tmp_path), slug="ds-two")
    _decide(lab, first.version_id, Tier.T1)
    publish(lab, version_id=first.version_id, actor=STEWARD)
    people = _ingest(lab, tables.resident_attributes_table(tmp_path), slug="ds-two")
    assert people.classification.tier >= Tier.T3
    _decide(lab, people.version_id, Tier.T2, "de-identified extract for researchers")
    with pytest.raises(Conflict, match="k-anonymity"):
        publish(lab, version_id=people.version_id, actor=STEWARD)
    with lab.sessions() as s:
        assert get_dataset(s, "ds-two").current_version_id == first.version_id
        assert get_version(s, people.version_id).state == "decided"


def test_conditional_extract_generalised_and_gated(lab: LabServices, tmp_path) -> None:
    """Lowering T3 to T2 publishes a generalised extract that passes k ≥ 10."""
    rows = [
        [
            f"{1950 + i % 2}-0{1 + i % 9}-1{i % 9}",
            "男" if i % 2 else "女",
            f"青岛市市南区八大关街道{i}号",
            3,
        ]
        for i in range(200)
    ]
    path = tables.write_csv(tmp_path / "r.csv", ["出生日期", "性别", "住址", "家庭人口"], rows)
    outcome = _ingest(lab, path)
    _decide(lab, outcome.version_id, Tier.T2, "generalised extract for planning research")
    published = publish(lab, version_id=outcome.version_id, actor=STEWARD)
    extract = pq.read_table(io.BytesIO(lab.store.read_bytes(published.objects["data.parquet"])))
    frame = extract.to_pandas()
    assert list(frame.columns) == ["出生年份", "性别", "所在街道", "家庭人口"]
    assert set(frame["出生年份"]) == {"1950", "1951"}
    assert not frame["所在街道"].str.contains("号").any()
    assert '"smallest_class":' in lab.audit.records()[-1].details


def test_open_table_types_numbers_but_not_identifiers(lab: LabServices, tmp_path) -> None:
    """Published open data types measures as numbers; identifier-like digits stay text."""
    rows = [[f"站点{i}", f"0{i:04d}", 120.3 + i / 100, i * 3] for i in range(30)]
    path = tables.write_csv(tmp_path / "t.csv", ["站点名称", "站点编号", "经度", "日客流量"], rows)
    outcome = _ingest(lab, path)
    _decide(lab, outcome.version_id, Tier.T1)
    published = publish(lab, version_id=outcome.version_id, actor=STEWARD)
    schema = pq.read_schema(io.BytesIO(lab.store.read_bytes(published.objects["data.parquet"])))
    assert str(schema.field("经度").type) == "double"
    assert str(schema.field("日客流量").type) == "double"
    assert str(schema.field("站点编号").type) == "string"
