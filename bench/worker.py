"""Queue + database overhead of the worker pool, against the compute it wraps.

Measures (i) seconds from POST /experiments to the first recorded epoch of a smoke run, with a
worker already idle, and (ii) per-run overhead of a many-run smoke experiment on one CPU worker:
wall time per run minus the time spent inside vae_core (`compute_seconds`). Defaults to the
embedded stack (SQLite + bundled Redis); set BETALAB_DATABASE_URL / BETALAB_BROKER_URL to measure
PostgreSQL / a Redis server instead. Prints one JSON line last with --json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from api.main import create_app  # noqa: E402
from persistence.db import session_scope  # noqa: E402
from persistence.keys import create_api_key  # noqa: E402
from persistence.migrate import upgrade  # noqa: E402
from persistence.models import Run, RunEpoch, RunStatus  # noqa: E402
from persistence.settings import Settings  # noqa: E402
from worker.embedded import EmbeddedBroker  # noqa: E402
from worker.pool import start_pool  # noqa: E402

TERMINAL = (RunStatus.completed, RunStatus.failed, RunStatus.cancelled)


def smoke_spec(name: str, runs: int) -> dict:
    """MNIST smoke runs (shapes evaluation scores 40k test images even when fast)."""
    return {
        "name": name,
        "dataset": "mnist",
        "model_types": ["fc"],
        "betas": [1.0],
        "seeds": list(range(runs)),
        "metrics": ["reconstruction"],
        "training": {"preset": "smoke"},
    }


def wait(predicate, timeout: float, interval: float = 0.05):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError("benchmark timed out")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bw-"))
    settings = Settings(
        data_dir=tmp,  # MNIST: BETALAB_MNIST_DIR if set, else the repository's data/mnist
        torch_threads=int(os.environ.get("BETALAB_TORCH_THREADS", "1")),
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

            def post(spec: dict) -> str:
                response = api.post("/experiments", json=spec)
                response.raise_for_status()
                return response.json()["id"]

            def done(experiment_id: str) -> list[Run] | None:
                with session_scope(url) as session:
                    rows = list(
                        session.scalars(sa.select(Run).where(Run.experiment_id == experiment_id))
                    )
                return rows if all(r.status in TERMINAL for r in rows) else None

            # Warm-up: the worker is up and has the dataset cache on disk.
            warm_up = post(smoke_spec("warm-up", 1))
            wait(lambda: done(warm_up), timeout=600, interval=0.5)

            t0 = time.monotonic()
            first = post(smoke_spec("first-epoch", 1))

            def first_epoch() -> bool:
                with session_scope(url) as session:
                    return bool(
                        session.scalar(
                            sa.select(sa.func.count())
                            .select_from(RunEpoch)
                            .join(Run, Run.id == RunEpoch.run_id)
                            .where(Run.experiment_id == first)
                        )
                    )

            wait(first_epoch, timeout=600)
            post_to_first_epoch = time.monotonic() - t0
            wait(lambda: done(first), timeout=600, interval=0.5)

            t1 = time.monotonic()
            many = post(smoke_spec("many", args.runs))
            rows = wait(lambda: done(many), timeout=7200, interval=0.5)
            wall = time.monotonic() - t1
    finally:
        pool.stop(grace_s=10)
        if broker is not None:
            broker.stop()
    completed = [r for r in rows if r.status == RunStatus.completed]
    compute = [r.compute_seconds for r in completed]
    result = {
        "post_to_first_epoch_s": round(post_to_first_epoch, 3),
        "overhead_per_run_s": round(wall / len(rows) - statistics.fmean(compute), 3),
        "runs": len(rows),
        "completed": len(completed),
        "wall_per_run_s": round(wall / len(rows), 3),
        "compute_per_run_s": round(statistics.fmean(compute), 3),
        "database": url.split(":", 1)[0],
    }
    if not args.json:
        for k, v in result.items():
            print(f"{k:>24}: {v}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
