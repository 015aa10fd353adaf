"""The service as the benchmarks drive it: migrated database, broker, worker pool and API client.

Defaults to the embedded stack (SQLite + bundled Redis) in a temporary data folder; set
BETALAB_DATABASE_URL / BETALAB_BROKER_URL to measure PostgreSQL / a Redis server instead.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient  # noqa: E402

from api.main import create_app  # noqa: E402
from persistence.db import session_scope  # noqa: E402
from persistence.keys import create_api_key  # noqa: E402
from persistence.migrate import upgrade  # noqa: E402
from persistence.models import Run, RunStatus  # noqa: E402
from persistence.settings import Settings  # noqa: E402
from worker.embedded import EmbeddedBroker  # noqa: E402
from worker.pool import start_pool  # noqa: E402

TERMINAL = (RunStatus.completed, RunStatus.failed, RunStatus.cancelled)
T = TypeVar("T")


def wait(predicate: Callable[[], T], timeout: float, interval: float = 0.05) -> T:
    """Poll `predicate` until it returns something truthy; that value. TimeoutError after."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError("benchmark timed out")


@dataclass
class Service:
    """A running service: `post` an experiment spec, read its runs back."""

    api: TestClient
    url: str

    def post(self, spec: dict) -> str:
        """POST /experiments; the new experiment's id."""
        response = self.api.post("/experiments", json=spec)
        response.raise_for_status()
        return response.json()["id"]

    def runs(self, experiment_id: str) -> list[Run]:
        """The experiment's runs, detached from the session."""
        with session_scope(self.url) as session:
            query = sa.select(Run).where(Run.experiment_id == experiment_id).order_by(Run.id)
            return list(session.scalars(query))

    def finished(self, experiment_id: str, timeout: float) -> list[Run]:
        """The experiment's runs once every one is terminal."""
        return wait(
            lambda: (
                (rows := self.runs(experiment_id))
                and all(r.status in TERMINAL for r in rows)
                and rows
            ),
            timeout=timeout,
            interval=0.5,
        )


@contextmanager
def running_service(torch_threads: int) -> Iterator[Service]:
    """The whole stack with one CPU worker using `torch_threads` threads, torn down after."""
    settings = Settings(
        data_dir=Path(tempfile.mkdtemp(prefix="bench-service-")),  # MNIST: the repository's
        torch_threads=torch_threads,
    )
    upgrade(settings.database_url_effective)
    broker = None if settings.broker_url else EmbeddedBroker(settings).start()
    pool = start_pool(None, 1, settings)
    url = settings.database_url_effective
    try:
        with session_scope(url) as session:
            key = create_api_key(session=session, name="bench")
        with TestClient(create_app(settings)) as api:
            api.headers["Authorization"] = f"Bearer {key}"
            yield Service(api, url)
    finally:
        pool.stop(grace_s=10)
        if broker is not None:
            broker.stop()
