"""The metadata database.

* ``engine``  — engines, sessions, the reachability check.
* ``models``  — the tables (SQLAlchemy 2.x declarative).
* ``migrate`` — Alembic upgrades; migrations live in ``migrations/versions``.
"""

from lab.db.engine import (
    PoolSizing,
    check_database,
    make_engine,
    row_of,
    rows_matched,
    session_factory,
    transaction,
)
from lab.db.migrate import upgrade

__all__ = [
    "PoolSizing",
    "check_database",
    "make_engine",
    "row_of",
    "rows_matched",
    "session_factory",
    "transaction",
    "upgrade",
]
