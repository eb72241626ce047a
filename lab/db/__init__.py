"""The metadata database.

* ``engine``  — engines, sessions, the reachability check.
* ``models``  — the tables (SQLAlchemy 2.x declarative).
* ``migrate`` — Alembic upgrades; migrations live in ``migrations/versions``.
* ``writers`` — SQLite writers queued one at a time across threads and processes.
* ``retry``   — a write run again when it lost a race (unique key, lock), and only then.
* ``discipline`` — one pooled connection per request at a time, watched.
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
