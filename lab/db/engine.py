"""Connecting to the metadata database: engine, sessions, and a reachability check."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Engine, Result, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from lab.errors import ConfigurationError, InternalError, ServiceUnavailable

Model = TypeVar("Model")


@dataclass(frozen=True)
class PoolSizing:
    """Connections kept (``size``), opened on demand (``overflow``), and the wait for one.

    No request holds one pooled connection while waiting for another, so a pool larger than
    the request threads never runs dry; ``timeout`` only bounds a wait if that ever breaks.
    """

    size: int = 10
    overflow: int = 40
    timeout: float = 10.0

    def engine_arguments(self) -> dict[str, float]:
        return {"pool_size": self.size, "max_overflow": self.overflow, "pool_timeout": self.timeout}


def make_engine(url: str, pool: PoolSizing = PoolSizing()) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout for concurrency,
    and overwrites deleted content (so values scrubbed from a row are gone from the file)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(
            "DATALAB_DATABASE_URL: not a database URL; expected e.g. "
            "sqlite:////path/lab.db or postgresql+psycopg://user@127.0.0.1:5432/db"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30}, **pool.engine_arguments())
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(
            url, pool_pre_ping=True, connect_args={"connect_timeout": 5}, **pool.engine_arguments()
        )
    raise ConfigurationError(
        f"DATALAB_DATABASE_URL: backend {parsed.get_backend_name()!r} is not supported; "
        "use sqlite or postgresql+psycopg"
    )


def _tune_sqlite(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA secure_delete=ON")  # a scrubbed value leaves no copy in free space
    cursor.close()


def forget_overwritten_on_commit(session: Session) -> None:
    """Once ``session`` commits, fold SQLite's write-ahead log into the database and empty it.

    Without this, a row this transaction overwrote (a profile whose values were scrubbed) keeps
    its old copy in ``lab.db-wal`` until SQLite happens to reuse that part of the log. Together
    with ``secure_delete`` the old bytes are then gone from every file. No-op on PostgreSQL,
    whose dead row versions go at the next VACUUM.
    """
    engine = session.get_bind()
    if engine.dialect.name == "sqlite":
        event.listen(session, "after_commit", _mark_committed, once=True)
        released = _truncate_when_released(cast(Engine, engine))  # sessions are bound to engines
        event.listen(session, "after_transaction_end", released)


_OVERWRITTEN = "sqlite_log_to_truncate"


def _mark_committed(session: Session) -> None:
    session.info[_OVERWRITTEN] = True


def _truncate_when_released(engine: Engine) -> Callable[[Session, Any], None]:
    """Truncate the log once the outermost transaction has given its connection back (the
    truncation takes a pooled connection of its own, never a second one while holding the first)."""

    def ended(session: Session, transaction) -> None:
        if transaction.parent is None and session.info.pop(_OVERWRITTEN, False):
            _truncate_log(engine)

    return ended


def _truncate_log(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def check_database(engine: Engine) -> None:
    """Raise ServiceUnavailable with one clear line (no password) if the database is unreachable."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        where = engine.url.render_as_string(hide_password=True)
        cause = str(exc.orig).strip().splitlines()[0] if exc.orig else "connection failed"
        raise ServiceUnavailable(f"database {where} is unreachable: {cause}") from None


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on ``engine`` whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits on success and rolls back on any error."""
    with sessions() as session, session.begin():
        yield session


def rows_matched(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE statement matched (its cursor's ``rowcount``)."""
    return cast(CursorResult[Any], result).rowcount


def row_of(session: Session, model: type[Model], key: object) -> Model:
    """The row ``key`` of ``model`` that a foreign key guarantees; InternalError if it is gone."""
    row = session.get(model, key)
    if row is None:
        raise InternalError(f"no {model.__name__} {key!r} behind a foreign key; this is a bug")
    return row
