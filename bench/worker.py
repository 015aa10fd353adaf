"""Queue + database overhead of the worker pool, against the compute it wraps.

Measures (i) seconds from POST /experiments to the first recorded epoch of a smoke run, with a
worker already idle, and (ii) per-run overhead of a many-run smoke experiment on one CPU worker:
wall time per run minus the time spent inside vae_core (`compute_seconds`). Defaults to the
embedded stack (SQLite + bundled Redis); set BETALAB_DATABASE_URL / BETALAB_BROKER_URL to measure
PostgreSQL / a Redis server instead. Prints one JSON line last with --json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import emit  # noqa: E402
from service import running_service, wait  # noqa: E402

from persistence.db import session_scope  # noqa: E402
from persistence.models import Run, RunEpoch, RunStatus  # noqa: E402


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    threads = int(os.environ.get("BETALAB_TORCH_THREADS", "1"))
    with running_service(threads) as service:
        # Warm-up: the worker is up and has the dataset cache on disk.
        service.finished(service.post(smoke_spec("warm-up", 1)), timeout=600)

        t0 = time.monotonic()
        first = service.post(smoke_spec("first-epoch", 1))

        def first_epoch() -> bool:
            with session_scope(service.url) as session:
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
        service.finished(first, timeout=600)

        t1 = time.monotonic()
        rows = service.finished(service.post(smoke_spec("many", args.runs)), timeout=7200)
        wall = time.monotonic() - t1
        url = service.url
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
    emit(result, as_json=args.json)


if __name__ == "__main__":
    main()
