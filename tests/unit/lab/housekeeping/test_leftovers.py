"""The sweep of leftovers: what crashes leave goes once older than the grace period, what a
publication in flight has written stays, what a served or recorded version owns always stays,
and every sweep that deleted something is audited once — on the local store and on S3."""

from __future__ import annotations

import dataclasses
import io
import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from classification import Tier
from lab.catalogue.versions import publishing
from lab.catalogue.versions.publishing import object_prefix
from lab.clock import frozen, now
from lab.crypto import SealedObjectStore
from lab.gateway.encrypted_tables import export_folder
from lab.gateway.targets import table_metadata
from lab.housekeeping import leftovers
from lab.housekeeping.leftovers import AUDIT_ACTION, SweepReport, sweep_leftovers
from lab.services import LabServices
from tests.unit.lab.gateway.restricted import publish_tax_table

UNITS = 20
GRACE = timedelta(seconds=43_200)  # the setting's default


def _on_spark(lab: LabServices, store=None) -> LabServices:
    """``lab`` with Spark reading encrypted Parquet (so publishing exports), objects in
    ``store`` if given."""
    settings = lab.settings.model_copy(
        update={"gateway_engine": "spark", "gateway_spark_storage": "encrypted-parquet"}
    )
    if store is None:
        return dataclasses.replace(lab, settings=settings)
    sealed = SealedObjectStore(store, lab.sealed.keyring)
    return dataclasses.replace(lab, settings=settings, store=store, sealed=sealed)


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def spark_lab(request, sqlite_lab: LabServices) -> LabServices:
    """The lab exporting for Spark, its objects in a local folder or a real S3 bucket."""
    store = request.getfixturevalue("s3_store") if request.param == "s3" else None
    return _on_spark(sqlite_lab, store)


def _objects(lab: LabServices) -> list[str]:
    return sorted(
        info.key
        for prefix in (object_prefix(Tier.T1, "tax"), object_prefix(Tier.T3, "tax"))
        for info in lab.store.list(f"{prefix}/_v/")
    )


def _exports(lab: LabServices) -> list[str]:
    shared = lab.settings.resolved_spark_tables_dir
    return sorted(p.name for p in shared.iterdir()) if shared.is_dir() else []


def _crashed_publications(lab: LabServices) -> list[str]:
    """What publishes killed before their commit leave: a sealed table (with its sidecar) in
    the restricted area and an open table, each in a version folder no recorded version owns,
    and an export; the object keys."""
    restricted = lab.store.publication(object_prefix(Tier.T3, "tax"))
    lab.sealed.seal_into(restricted, "data.parquet", io.BytesIO(b"restricted rows"))
    restricted.commit()
    opened = lab.store.publication(object_prefix(Tier.T1, "tax"))
    opened.put("data.parquet", io.BytesIO(b"open rows"))
    opened.commit()
    (lab.settings.resolved_spark_tables_dir / ("t" + "0" * 32) / "unit_bucket=01").mkdir(
        parents=True
    )
    return sorted(
        info.key
        for publication in (restricted, opened)
        for info in lab.store.list(f"{publication.prefix}/_v/{publication.version}/")
    )


def _sweeps(lab: LabServices) -> list[dict]:
    """The audit entries of sweeps, as (actor, details)."""
    return [
        {"actor": r.actor, **json.loads(r.details)}
        for r in lab.audit.records()
        if r.action == AUDIT_ACTION
    ]


def test_old_leftovers_go_and_owned_ones_always_stay(spark_lab: LabServices, tmp_path) -> None:
    """Crash leftovers stay while younger than the grace period and go, in one audited sweep,
    once older; the served version's objects and export stay even a year on."""
    publish_tax_table(spark_lab, tmp_path, units=UNITS)
    served_objects, served_exports = _objects(spark_lab), _exports(spark_lab)
    orphans = _crashed_publications(spark_lab)
    assert len(orphans) == 3 and len(served_exports) == 1
    with frozen(now() + GRACE - timedelta(minutes=1)):
        assert not sweep_leftovers(spark_lab, actor="steward").deleted_anything
    assert _objects(spark_lab) == sorted(served_objects + orphans)
    assert len(_exports(spark_lab)) == 2 and _sweeps(spark_lab) == []
    with frozen(now() + GRACE + timedelta(minutes=1)):
        report = sweep_leftovers(spark_lab, actor="steward")
    assert report == SweepReport(int(GRACE.total_seconds()), (("tax", 3),), 1)
    assert _objects(spark_lab) == served_objects and _exports(spark_lab) == served_exports
    audited = {"actor": "steward", "grace_seconds": 43_200, "objects": {"tax": 3}, "exports": 1}
    assert _sweeps(spark_lab) == [audited]
    with frozen(now() + timedelta(days=365)):
        assert not sweep_leftovers(spark_lab, actor="steward").deleted_anything
    assert _objects(spark_lab) == served_objects and _exports(spark_lab) == served_exports
    assert _sweeps(spark_lab) == [audited], "a sweep that deleted nothing is not audited"
    assert spark_lab.audit.verify().ok


def test_a_publication_in_flight_keeps_its_objects_and_export(
    sqlite_lab: LabServices, tmp_path: Path, monkeypatch
) -> None:
    """A publication paused after writing its objects and its export, before its commit
    (nothing owns them yet): sweeps up to the grace period later delete none of it, and it then
    commits and serves them."""
    lab = _on_spark(sqlite_lab)
    (tmp_path / "v1").mkdir()
    publish_tax_table(lab, tmp_path / "v1", units=UNITS)
    written, resume = threading.Event(), threading.Event()
    exporting = publishing._export_for_spark

    def paused_before_commit(*args):
        exported = exporting(*args)
        written.set()
        resume.wait(120)
        return exported

    monkeypatch.setattr(publishing, "_export_for_spark", paused_before_commit)
    failures: list[BaseException] = []
    publisher = threading.Thread(target=_publish_v2, args=(lab, tmp_path / "v2", failures))
    publisher.start()
    try:
        assert written.wait(120), "the second publication never wrote its export"
        in_flight_objects, in_flight_exports = _objects(lab), _exports(lab)
        assert len(in_flight_exports) == 2 and len(in_flight_objects) == 4
        for ahead in (timedelta(0), GRACE - timedelta(minutes=1)):
            with frozen(now() + ahead):
                assert not sweep_leftovers(lab, actor="server").deleted_anything
        assert _objects(lab) == in_flight_objects and _exports(lab) == in_flight_exports
    finally:
        resume.set()
        publisher.join(120)
    assert failures == []
    with lab.sessions() as session:
        served = table_metadata(session, "tax")[2]
    shared = lab.settings.resolved_spark_tables_dir
    assert _exports(lab) == [export_folder(shared, served).name]
    assert served in in_flight_objects and export_folder(shared, served).name in in_flight_exports


def _publish_v2(lab: LabServices, folder: Path, failures: list[BaseException]) -> None:
    try:
        folder.mkdir()
        publish_tax_table(lab, folder, units=UNITS + 5)
    except BaseException as failure:  # the test asserts there was none
        failures.append(failure)


def test_a_sweep_cut_short_still_audits_what_it_deleted(
    sqlite_lab: LabServices, tmp_path: Path, monkeypatch
) -> None:
    """The object-store part deleted a crashed publication's objects, then the export part
    failed: the failure propagates, and the objects deleted are in one audit entry."""
    publish_tax_table(sqlite_lab, tmp_path, units=UNITS)
    _crashed_publications(sqlite_lab)

    def failing(*args, **kwargs):
        raise OSError("shared folder unreachable")

    monkeypatch.setattr(leftovers, "sweep_exports", failing)
    with frozen(now() + GRACE + timedelta(minutes=1)), pytest.raises(OSError):
        sweep_leftovers(sqlite_lab, actor="server")
    assert _sweeps(sqlite_lab) == [
        {"actor": "server", "grace_seconds": 43_200, "objects": {"tax": 3}, "exports": 0}
    ]
