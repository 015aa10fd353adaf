"""Engine and session factory for the configured database (PostgreSQL or SQLite)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> Engine:
    """An engine with per-backend settings: WAL + foreign keys on SQLite and a pre-ping; on
    PostgreSQL a ping only for connections that sat idle (`_ping_when_idle`)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_pre_ping=True
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    engine = create_engine(url, pool_size=20, max_overflow=20)
    _ping_when_idle(engine)
    return engine


# A pooled connection unused this long is pinged before it is handed out; one used within it is
# not. Under load connections come back within milliseconds, so the ping (a round trip) is
# skipped; a PostgreSQL restart takes longer than this, so after one every pooled connection has
# sat idle past it and is pinged and replaced, as with pool_pre_ping.
PING_AFTER_IDLE_S = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """pool_pre_ping, but only for connections idle longer than PING_AFTER_IDLE_S: a ping per
    checkout costs a round trip per request, a third of a keyed curve read's."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn, record):  # type: ignore[no-untyped-def]
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn, record, _proxy):  # type: ignore[no-untyped-def]
        idle_since = record.info.get("checked_in")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return  # fresh from connect(), or used a moment ago
        try:
            dbapi_conn.execute("SELECT 1")
            dbapi_conn.rollback()  # end the ping's transaction: the connection leaves idle
        except Exception as error:  # the pool discards it and connects anew (up to 3 times)
            raise exc.DisconnectionError(str(error)) from error


_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def get_engine(url: str) -> Engine:
    """One engine per URL per process."""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = _ENGINES[url] = make_engine(url)
        return engine


def forget_engines_after_fork() -> None:
    """In a forked child: drop the parent's pools without closing the parent's connections.

    Pooled connections must not be shared across a fork (SQLAlchemy's "using connection pools
    with multiprocessing"); `dispose(close=False)` leaves the parent's sockets alone.
    """
    with _ENGINES_LOCK:
        for engine in _ENGINES.values():
            engine.dispose(close=False)
        _ENGINES.clear()


def session_factory(url: str) -> sessionmaker[Session]:
    """Sessions on this process's engine for `url`: the one way betalab gets a session (the
    API keeps one factory on app.state; everything else opens `session_scope`)."""
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str, *, private_engine: bool = False) -> Iterator[Session]:
    """A session that commits on success and rolls back on error.

    `private_engine`: on an engine of its own, disposed afterwards, instead of the process's
    shared one: for a process that is about to fork (the worker supervisor's sweeper), whose
    pooled connections must not reach the children.
    """
    engine = make_engine(url) if private_engine else None
    factory = sessionmaker(bind=engine, expire_on_commit=False) if engine else session_factory(url)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
        if engine is not None:
            engine.dispose()
