"""API fixtures: an app on a fresh migrated database, a private Redis db index, an API key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from persistence.db import session_scope
from persistence.keys import create_api_key
from persistence.settings import Settings
from tests.utils.servers import claimed_redis_db


@pytest.fixture
def broker_url(redis_base_url: str) -> Iterator[str]:
    """A Redis database index no one else is using, flushed afterwards."""
    with claimed_redis_db(redis_base_url, ttl_s=600) as url:
        yield url


def make_settings(database_url: str, broker_url: str, tmp_path: Path, **extra) -> Settings:
    return Settings(
        database_url=database_url,
        broker_url=broker_url,
        data_dir=tmp_path / "data",
        artifact_root=tmp_path / "artifacts",
        **extra,
    )


@pytest.fixture
def settings(postgres_url: str, broker_url: str, tmp_path: Path) -> Settings:
    """Service settings on a fresh PostgreSQL database (the production backend)."""
    return make_settings(postgres_url, broker_url, tmp_path)


@pytest.fixture
def api_key(settings: Settings) -> str:
    with session_scope(settings.database_url_effective) as session:
        return create_api_key(session=session, name="tests")


@pytest.fixture
def client(settings: Settings, api_key: str) -> Iterator[TestClient]:
    """A client that sends a valid key on every request."""
    with TestClient(create_app(settings)) as test_client:
        test_client.headers["Authorization"] = f"Bearer {api_key}"
        yield test_client


@pytest.fixture
def anonymous(settings: Settings) -> Iterator[TestClient]:
    """A client without credentials."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def module_client(postgres_admin_url: str, tmp_path_factory) -> Iterator[TestClient]:
    """One keyed client on one PostgreSQL database for a module of tests that never write."""
    from persistence.migrate import upgrade
    from tests.utils.servers import fresh_postgres_database

    with fresh_postgres_database(postgres_admin_url) as url:
        upgrade(url)
        settings = make_settings(url, "redis://127.0.0.1:1/0", tmp_path_factory.mktemp("api"))
        with session_scope(url) as session:
            token = create_api_key(session=session, name="tests")
        with TestClient(create_app(settings)) as test_client:
            test_client.headers["Authorization"] = f"Bearer {token}"
            yield test_client
