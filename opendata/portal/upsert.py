"""Insert-or-update statements that read the same on SQLite and PostgreSQL.

Both dialects spell ``INSERT … ON CONFLICT`` alike in SQLAlchemy; this picks the right one for
the session's database so that counters and index rows are written without a read-then-write
race.
"""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lab.errors import ConfigurationError

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def insert_for(session: Session, model):
    """An ``INSERT`` for ``model`` that supports ``on_conflict_do_update``/``_do_nothing``."""
    dialect = session.get_bind().dialect.name
    try:
        return _INSERTS[dialect](model)
    except KeyError:
        raise ConfigurationError(
            f"the portal supports SQLite and PostgreSQL databases, not {dialect}"
        ) from None
