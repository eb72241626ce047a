"""The Alembic migrations build exactly the schema the models declare, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lab.db import make_engine, upgrade
from lab.db.migrate import current_revision, head_revision
from lab.db.models import Base


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
