"""Engines, sessions and migrations for one DATABASE_URL: PostgreSQL in production, SQLite embedded.

SQLite gets WAL (readers never wait for the writer) and foreign keys (off by default there) on
every connection. A PostgreSQL URL may carry libpq options, e.g. `?options=-csearch_path%3Dshop`,
which is how tests give each module its own schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

__all__ = [
    "DEFAULT_SQLITE_PATH",
    "POOL_SIZE",
    "begin_write",
    "database_url",
    "make_engine",
    "migrate",
    "migrated_sessions",
    "session_factory",
]

DEFAULT_SQLITE_PATH = Path(".holoshop/shop.db")
_MIGRATIONS = Path(__file__).parent / "migrations"
POOL_SIZE = 40


def database_url(url: str | None, default_path: Path = DEFAULT_SQLITE_PATH) -> str:
    """`url` as given, or the embedded SQLite file (its folder created) when there is none."""
    if url:
        return url
    default_path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{default_path.resolve()}"


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")  # durable at checkpoints; WAL keeps it consistent
    cursor.execute("PRAGMA busy_timeout = 5000")
    cursor.close()


def make_engine(
    url: str,
    *,
    pool_size: int | None = None,
    max_overflow: int | None = None,
    pool_timeout: float | None = None,
) -> Engine:
    """An engine for `url`; SQLite connections are shared with FastAPI's worker threads.

    The pool settings default to the backend's (below); tests shrink them to make a leak show.
    """
    pool: dict[str, Any] = {
        name: value
        for name, value in (
            ("pool_size", pool_size),
            ("max_overflow", max_overflow),
            ("pool_timeout", pool_timeout),
        )
        if value is not None
    }
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False}, **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # As many pooled connections as FastAPI's worker threads may use at once (40): a smaller pool
    # opens and closes an overflow connection (a PostgreSQL backend fork) per request under load.
    return create_engine(url, pool_pre_ping=True, **({"pool_size": POOL_SIZE, "max_overflow": 10} | pool))


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit, so services can return them."""
    return sessionmaker(engine, expire_on_commit=False)


def begin_write(session: Session) -> None:
    """On SQLite, takes the write lock first: a deferred transaction that reads, then writes, fails at
    once when another writer got in between, while an immediate one waits its turn (busy_timeout)."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")


def migrate(url: str, revision: str = "head") -> None:
    """`alembic upgrade head` on `url`, in process: a no-op when the schema is current."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


@contextmanager
def migrated_sessions(url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on `url`'s database, migrated first (a fresh install has no tables yet), for a
    command or a script; the engine is disposed when the block ends."""
    migrate(url)
    engine = make_engine(url)
    try:
        yield session_factory(engine)
    finally:
        engine.dispose()
