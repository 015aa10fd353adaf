"""Shared fixtures: real PostgreSQL, SQLite and Redis, each migrated with Alembic."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.utils.servers import fresh_postgres_database, postgres_server, redis_server

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The four real MNIST IDX files shipped in the repository's data/mnist."""
    from vae_core.data.mnist import BUNDLED_DIR

    assert BUNDLED_DIR == REPO_ROOT / "data" / "mnist"
    assert BUNDLED_DIR.is_dir(), f"MNIST test data missing at {BUNDLED_DIR}"
    return BUNDLED_DIR


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def redis_base_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test."""
    from persistence.migrate import upgrade

    with fresh_postgres_database(postgres_admin_url) as url:
        upgrade(url)
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh, migrated SQLite database file for one test."""
    from persistence.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'betalab.db'}"
    upgrade(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each data-access test runs on both SQLite and a real PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")
