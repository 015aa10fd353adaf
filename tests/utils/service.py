"""A real betalab deployment for client tests: PostgreSQL, Redis, `serve --external`, a worker."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from persistence.db import session_scope
from persistence.keys import create_api_key
from persistence.migrate import upgrade
from tests.utils.processes import ManagedProcess, RedisServer, betalab_cli, free_port, wait_for
from tests.utils.servers import fresh_postgres_database
from worker.pool import REPO_ROOT


@dataclass
class Service:
    """Where the service listens, a valid API key, and the environment its processes share."""

    url: str
    api_key: str
    database_url: str
    env: dict[str, str]
    processes: list[ManagedProcess] = field(default_factory=list)

    def logs(self) -> str:
        return "\n".join(p.log()[-4000:] for p in self.processes)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2.0).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def running_service(
    name: str,
    tmp_path_factory: pytest.TempPathFactory,
    *,
    postgres_admin_url: str,
    mnist_dir: Path,
    worker: bool = True,
) -> Iterator[Service]:
    """The compose layout on one machine: API only (`serve --external`) plus one CPU worker
    (`worker=False`: none, so what is queued stays queued), in folders named after `name`."""
    tmp, cache_dir = (
        tmp_path_factory.mktemp(f"{name}-service"),
        tmp_path_factory.mktemp(f"{name}-cache"),
    )
    redis = RedisServer(tmp / "redis").start()
    try:
        with fresh_postgres_database(postgres_admin_url) as database_url:
            upgrade(database_url)
            port = free_port()
            env = {
                **os.environ,
                "PYTHONPATH": str(REPO_ROOT),
                "BETALAB_DATABASE_URL": database_url,
                "BETALAB_BROKER_URL": f"{redis.url}/0",
                "BETALAB_DATA_DIR": str(tmp / "data"),
                "BETALAB_ARTIFACT_ROOT": str(tmp / "artifacts"),
                "BETALAB_CACHE_DIR": str(cache_dir),
                "BETALAB_MNIST_DIR": str(mnist_dir),
                "BETALAB_HOST": "127.0.0.1",
                "BETALAB_PORT": str(port),
            }
            with session_scope(database_url) as session:
                key = create_api_key(session=session, name="cli-tests")
            service = Service(f"http://127.0.0.1:{port}", key, database_url, env)
            try:
                service.processes.append(betalab_cli(["serve", "--external"], env, tmp / "api.log"))
                if worker:
                    service.processes.append(
                        betalab_cli(["worker", "--cpu", "1"], env, tmp / "worker.log")
                    )
                wait_for(lambda: _ready(service.url), timeout=120, what="the betalab API")
                yield service
            finally:
                for process in service.processes:
                    process.stop(timeout=30)
    finally:
        redis.stop()
