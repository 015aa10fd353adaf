"""Worker fixtures: a private redis-server, a Redis db index per test, settings, process env."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from api.main import create_app
from persistence.db import session_scope
from persistence.keys import create_api_key
from persistence.settings import Settings
from tests.utils.processes import RedisServer
from worker.pool import REPO_ROOT, settings_env

_DB_INDEX = itertools.count(1)


@pytest.fixture(scope="session")
def worker_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A redis-server of our own, so no other test run can flush our queues."""
    server = RedisServer(tmp_path_factory.mktemp("worker-redis")).start()
    yield server
    server.stop()


@pytest.fixture
def broker_url(worker_redis: RedisServer) -> Iterator[str]:
    """A fresh Redis database index for one test, flushed afterwards."""
    index = next(_DB_INDEX) % 16
    url = f"{worker_redis.url}/{index}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def data_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Dataset cache shared by every worker of the session (built once)."""
    return tmp_path_factory.mktemp("data-cache")


def make_worker_settings(
    *, database_url: str, broker_url: str, tmp_path: Path, cache_dir: Path, mnist_dir: Path
) -> Settings:
    """Settings with fast heartbeats and sweeps, so recovery happens within seconds."""
    return Settings(
        database_url=database_url,
        broker_url=broker_url,
        data_dir=tmp_path / "data",
        artifact_root=tmp_path / "artifacts",
        cache_dir=cache_dir,
        mnist_dir=mnist_dir,
        heartbeat_interval_s=1.0,
        heartbeat_stale_s=4.0,
        sweep_interval_s=1.0,
        torch_threads=1,
    )


@pytest.fixture
def worker_settings(
    postgres_url: str,
    broker_url: str,
    tmp_path: Path,
    data_cache_dir: Path,
    mnist_dir: Path,
) -> Settings:
    return make_worker_settings(
        database_url=postgres_url,
        broker_url=broker_url,
        tmp_path=tmp_path,
        cache_dir=data_cache_dir,
        mnist_dir=mnist_dir,
    )


def process_env(settings: Settings) -> dict[str, str]:
    """The environment of a worker or service process configured by `settings`."""
    env = {**os.environ, **settings_env(settings)}
    env["PYTHONPATH"] = str(REPO_ROOT)
    return env


@pytest.fixture
def worker_env(worker_settings: Settings) -> dict[str, str]:
    return process_env(worker_settings)


def keyed_api(settings: Settings, key_name: str) -> Iterator[TestClient]:
    """The real API app on `settings`' database and broker, sending a new valid key."""
    with session_scope(settings.database_url_effective) as session:
        key = create_api_key(session=session, name=key_name)
    with TestClient(create_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {key}"
        yield client


@pytest.fixture
def api(worker_settings: Settings) -> Iterator[TestClient]:
    """The real API app on the test database and broker, with a valid key."""
    yield from keyed_api(worker_settings, "worker-tests")
