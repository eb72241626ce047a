"""The Alembic migrations build exactly the schema the models declare, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import JSON, DateTime, column, insert, select, table

from lab.clock import now
from lab.db import make_engine, session_factory, transaction, upgrade
from lab.db.migrate import current_revision, head_revision
from lab.db.models import Base, Dataset, DatasetVersion


def test_upgrade_reaches_head_and_matches_models(database_url: str) -> None:
    """After upgrade the database is at head and autogenerate finds no difference."""
    engine = make_engine(database_url)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []


def test_upgrade_is_idempotent(database_url: str) -> None:
    """Running the migrations twice (every start-up does) changes nothing."""
    engine = make_engine(database_url)
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


# dataset_versions as revision 0008 has it (the model has columns added by later revisions).
_VERSIONS_AT_0008 = table(
    "dataset_versions",
    *(column(name) for name in ("dataset_id", "number", "state", "source_name", "source_format",
                                "source_sha256", "source_bytes", "rows", "guide_version",
                                "proposed_tier", "tier", "justification", "created_by")),
    column("profile", JSON), column("classification", JSON), column("objects", JSON),
    column("created_at", DateTime(timezone=True)),
)  # fmt: skip


def _version(dataset_id: int, number: int, tier: str | None, proposed: str) -> dict:
    profile = {"name": "备注", "rows": 3, "nulls": 0, "distinct": 1, "distinct_capped": False,
              "numeric_share": 1.0, "min": 4.5, "max": 9.5, "max_length": 3,
              "top_values": [["金丝雀", 3]]}  # fmt: skip
    return dict(
        dataset_id=dataset_id, number=number, state="proposed", source_name="a.csv",
        source_format="csv", source_sha256="0" * 64, source_bytes=1, rows=3, profile=[profile],
        classification={}, guide_version="1", proposed_tier=proposed, tier=tier,
        justification="", objects={}, created_by="test", created_at=now(),
    )  # fmt: skip


def test_value_free_profiles_scrubs_restricted_versions_only(database_url: str) -> None:
    """Revision 0010 empties ranges and top values of versions proposed or decided T3+, and
    leaves an open (T1) version's profile as it was."""
    engine = make_engine(database_url)
    upgrade(engine, "0008_credit_repair_decisions")
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        dataset = Dataset(slug="d", title="d", department="x", created_at=now(), updated_at=now())
        session.add(dataset)
        session.flush()
        session.execute(insert(_VERSIONS_AT_0008), [
            _version(dataset.id, 1, None, "T4"), _version(dataset.id, 2, "T3", "T1"),
            _version(dataset.id, 3, "T1", "T1")])  # fmt: skip
    upgrade(engine)
    with sessions() as session:
        profiles = {v.number: v.profile[0] for v in session.scalars(select(DatasetVersion))}
    engine.dispose()
    for number in (1, 2):
        assert profiles[number]["min"] is None and profiles[number]["top_values"] == []
        assert profiles[number]["rows"] == 3 and profiles[number]["numeric_share"] == 1.0
    assert profiles[3]["top_values"] == [["金丝雀", 3]] and profiles[3]["max"] == 9.5
