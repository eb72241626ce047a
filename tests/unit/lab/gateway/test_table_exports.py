"""The encrypted Parquet export of a restricted version follows its life: written by publishing,
only leased by the gateway, deleted (files and wrapped keys) when the version is withdrawn or
superseded, never left half-written, and swept when a crash orphaned it (once older than the
sweep's grace period, so a publication in flight keeps its export).

No JVM is needed: exports are written and read by pyarrow through the lab's key service; Spark
reading them is ``test_encrypted_tables``'s job.
"""

from __future__ import annotations

import dataclasses
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lab.catalogue.versions import publishing
from lab.clock import frozen, now
from lab.errors import Conflict, NotFound
from lab.gateway import encrypted_tables as encrypted_tables_module
from lab.gateway import parquet_crypto
from lab.gateway.encrypted_tables import encrypted_tables, export_folder
from lab.gateway.parquet_crypto import data_files, read_encrypted
from lab.gateway.table_exports import retire_exports, sweep_exports
from lab.gateway.targets import table_metadata
from lab.identity import Role
from lab.services import LabServices
from tests.unit.lab.gateway.restricted import publish_tax_table
from tests.unit.lab.web.test_steward_pages import add_user, csrf_of, pages_app, post, sign_in

UNITS = 20
GRACE = timedelta(hours=12)
FOREIGN = "lost+found"
REASON = "来源部门更正数据后重新发布"


@pytest.fixture
def spark_lab(sqlite_lab: LabServices) -> LabServices:
    """The lab with Spark reading encrypted Parquet (publication still cuts on DuckDB)."""
    settings = sqlite_lab.settings.model_copy(
        update={"gateway_engine": "spark", "gateway_spark_storage": "encrypted-parquet"}
    )
    return dataclasses.replace(sqlite_lab, settings=settings)


def _publish(lab: LabServices, folder: Path, units: int) -> None:
    folder.mkdir()
    publish_tax_table(lab, folder, units=units)


def _served_key(lab: LabServices, slug: str = "tax") -> str:
    with lab.sessions() as session:
        return table_metadata(session, slug)[2]


def _shared(lab: LabServices) -> Path:
    return lab.settings.resolved_spark_tables_dir


def _entries(lab: LabServices) -> list[str]:
    """Every name in the shared folder, hidden staging and removal folders included."""
    return sorted(p.name for p in _shared(lab).iterdir()) if _shared(lab).is_dir() else []


def _rows_of_export(lab: LabServices, key: str) -> int:
    tables = encrypted_tables(lab)
    try:
        with tables.lease(key) as table:
            return read_encrypted(table.folder, table.key_service).num_rows
    finally:
        tables.close()


def _refuse_exports(monkeypatch) -> None:
    def refused(*args, **kwargs):
        raise AssertionError("the export was written again")

    monkeypatch.setattr(encrypted_tables_module, "write_encrypted", refused)


def test_publishing_exports_and_a_query_only_leases(spark_lab, tmp_path, monkeypatch) -> None:
    """The export exists once the version is served, holds every row, and the gateway's lease
    reads it as it is (writing again would fail the test)."""
    publish_tax_table(spark_lab, tmp_path, units=UNITS)
    key = _served_key(spark_lab)
    folder = export_folder(_shared(spark_lab), key)
    assert data_files(folder) and _entries(spark_lab) == [folder.name]
    _refuse_exports(monkeypatch)
    assert _rows_of_export(spark_lab, key) == UNITS * 4


def test_without_the_setting_publishing_exports_nothing(sqlite_lab, tmp_path) -> None:
    """DuckDB (the default) gets no encrypted copy on the shared folder."""
    publish_tax_table(sqlite_lab, tmp_path, units=UNITS)
    assert _entries(sqlite_lab) == []


def test_withdrawal_through_the_steward_page_deletes_the_export(
    spark_lab, sqlite_lab, tmp_path
) -> None:
    """Withdrawn from the steward's page (the app here on the default engine: deleting does not
    depend on the setting still being on), the export's data files and wrapped keys are gone,
    and a lease neither finds nor rewrites it."""
    publish_tax_table(spark_lab, tmp_path, units=UNITS)
    key = _served_key(spark_lab)
    assert any(export_folder(_shared(spark_lab), key).rglob("_KEY_MATERIAL_FOR_*.json"))
    add_user(sqlite_lab, "steward", Role.STEWARD)
    with TestClient(pages_app(sqlite_lab)) as client:
        assert sign_in(client).status_code == 303
        form = {"csrf_token": csrf_of(client), "reason": REASON}
        assert post(client, "/steward/datasets/tax/withdraw", form).status_code == 303
    assert _entries(spark_lab) == []
    with pytest.raises(NotFound):
        _rows_of_export(spark_lab, key)
    assert _entries(spark_lab) == []
    assert retire_exports(spark_lab.settings, [key]) == 0, "deleting twice is harmless"


def test_a_new_version_deletes_the_superseded_export(spark_lab, tmp_path) -> None:
    """Publishing version 2 leaves only version 2's export."""
    _publish(spark_lab, tmp_path / "v1", UNITS)
    first = _served_key(spark_lab)
    _publish(spark_lab, tmp_path / "v2", UNITS + 5)
    second = _served_key(spark_lab)
    assert first != second
    assert _entries(spark_lab) == [export_folder(_shared(spark_lab), second).name]
    assert _rows_of_export(spark_lab, second) == (UNITS + 5) * 4


def test_an_export_that_fails_half_way_publishes_nothing(spark_lab, tmp_path, monkeypatch) -> None:
    """A crash after some partitions were written: the publication fails, no folder (staging
    included) is left, and the previous version and its export are still served."""
    _publish(spark_lab, tmp_path / "v1", UNITS)
    served = _served_key(spark_lab)
    before = _entries(spark_lab)
    buckets = parquet_crypto._bucketed

    def crashing(source, unit):
        for number, (bucket, rows) in enumerate(buckets(source, unit)):
            if number == 3:
                raise OSError("disk full")
            yield bucket, rows

    monkeypatch.setattr(parquet_crypto, "_bucketed", crashing)
    with pytest.raises(OSError, match="disk full"):
        _publish(spark_lab, tmp_path / "v2", UNITS + 5)
    assert _served_key(spark_lab) == served and _entries(spark_lab) == before


def test_a_publication_that_loses_its_commit_deletes_its_export(
    spark_lab, tmp_path, monkeypatch
) -> None:
    """The export is written before the switch; when the switch is refused (another publish
    won), the export is deleted and the served version keeps its own."""
    _publish(spark_lab, tmp_path / "v1", UNITS)
    before = _entries(spark_lab)

    def lost(*args, **kwargs):
        raise Conflict("version was published or changed meanwhile")

    monkeypatch.setattr(publishing, "_switch_current", lost)
    with pytest.raises(Conflict):
        _publish(spark_lab, tmp_path / "v2", UNITS + 5)
    assert _entries(spark_lab) == before


def test_a_version_published_before_the_setting_is_exported_at_its_first_lease(
    sqlite_lab, spark_lab, tmp_path
) -> None:
    """Switching the setting on later: the served version is exported by its first lease."""
    publish_tax_table(sqlite_lab, tmp_path, units=UNITS)
    assert _entries(spark_lab) == []
    assert _rows_of_export(spark_lab, _served_key(spark_lab)) == UNITS * 4
    assert _entries(spark_lab) == [export_folder(_shared(spark_lab), _served_key(spark_lab)).name]


def _leftovers(lab: LabServices) -> list[str]:
    """Leave what crashes leave: an export whose publication never committed, a staging folder
    of an export cut short, a deletion cut short and a killed Spark publication job's exchange
    folder; their names (beside a folder of someone else's, never touched)."""
    shared = _shared(lab)
    (shared / ("t" + "0" * 32) / "unit_bucket=01").mkdir(parents=True)
    (shared / ("job-" + "4" * 32) / "part-00000.parquet").mkdir(parents=True)
    (shared / "lost+found").mkdir()
    (shared / f".{'t' + '2' * 32}.0123abcd.tmp" / "unit_bucket=03").mkdir(parents=True)
    (shared / f".{'t' + '1' * 32}.abcd1234.removing").mkdir()
    return sorted(p.name for p in shared.iterdir() if p.name not in (_served_folder(lab), FOREIGN))


def _served_folder(lab: LabServices) -> str:
    return export_folder(_shared(lab), _served_key(lab)).name


def test_sweep_deletes_exports_no_served_version_owns_once_old(spark_lab, tmp_path) -> None:
    """After crashes (an export whose publication never committed, an export, a deletion or a
    Spark publication job cut short), a sweep keeps all of them while they are younger than the
    grace period — a publication in flight looks just like that — and deletes them once older,
    never the served version's export nor a folder the lab does not write."""
    publish_tax_table(spark_lab, tmp_path, units=UNITS)
    served = _served_folder(spark_lab)
    left = _leftovers(spark_lab)
    assert len(left) == 4
    assert sweep_exports(spark_lab, older_than=GRACE) == 0
    with frozen(now() + GRACE - timedelta(minutes=1)):
        assert sweep_exports(spark_lab, older_than=GRACE) == 0
    assert _entries(spark_lab) == sorted([served, FOREIGN, *left])
    with frozen(now() + GRACE + timedelta(minutes=1)):
        assert sweep_exports(spark_lab, older_than=GRACE) == 4
        assert _entries(spark_lab) == sorted([served, FOREIGN])
        assert sweep_exports(spark_lab, older_than=GRACE) == 0
    with frozen(now() + timedelta(days=365)):
        assert sweep_exports(spark_lab, older_than=GRACE) == 0, "the served export always stays"
    assert _rows_of_export(spark_lab, _served_key(spark_lab)) == UNITS * 4


def test_an_old_export_renamed_just_now_counts_as_new(spark_lab, tmp_path) -> None:
    """A rename keeps a folder's mtime: an export written a day ago and renamed out of place by
    a withdrawal a moment ago (its files still being removed) shows day-old mtimes everywhere,
    yet the sweep leaves it to the withdrawal, counting from the rename (its ctime)."""
    shared = _shared(spark_lab)
    old = shared / ("t" + "3" * 32)
    (old / "unit_bucket=05").mkdir(parents=True)
    (old / "unit_bucket=05" / "part-0.parquet").write_bytes(b"ciphertext")
    day_ago = time.time() - 86_400
    for path in (old / "unit_bucket=05" / "part-0.parquet", old / "unit_bucket=05", old):
        os.utime(path, (day_ago, day_ago))
    removing = old.with_name(f".{old.name}.5678abcd.removing")
    os.rename(old, removing)
    assert all(p.stat().st_mtime < day_ago + 1 for p in (removing, *removing.rglob("*")))
    assert sweep_exports(spark_lab, older_than=timedelta(hours=1)) == 0
    assert removing.is_dir()
    with frozen(now() + timedelta(hours=2)):
        assert sweep_exports(spark_lab, older_than=timedelta(hours=1)) == 1
    assert not removing.exists()
