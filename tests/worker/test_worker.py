"""End to end through real Celery worker processes, PostgreSQL and Redis: no eager mode, no mocks.

The runs are MNIST smoke runs (a few hundred images, two epochs): shapes evaluation scores the
whole 40k-image test split even in fast mode, which would dominate the test time on a small CPU.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from persistence.db import session_scope
from persistence.models import Experiment, MetricResult, Run, RunEpoch, RunStatus
from persistence.settings import Settings
from tests.utils.processes import RedisServer, betalab_cli, celery_worker, wait_for
from tests.worker.conftest import process_env

TERMINAL = {"completed", "failed", "cancelled"}


def smoke_spec(name: str, betas: list[float], **training: Any) -> dict[str, Any]:
    """A tiny MNIST grid: one model type, one seed, a labelled fraction, fast metrics."""
    return {
        "name": name,
        "dataset": "mnist",
        "model_types": ["fc"],
        "betas": betas,
        "seeds": [0],
        "label_fractions": [0.5],
        "metrics": ["reconstruction", "logreg_accuracy"],
        "training": {"preset": "smoke", **training},
    }


def post_experiment(api: TestClient, spec: dict[str, Any]) -> str:
    response = api.post("/experiments", json=spec)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def runs_of(settings: Settings, experiment_id: str) -> list[Run]:
    with session_scope(settings.database_url_effective) as session:
        return list(
            session.scalars(
                sa.select(Run).where(Run.experiment_id == experiment_id).order_by(Run.grid_index)
            )
        )


def experiment_of(settings: Settings, experiment_id: str) -> Experiment:
    with session_scope(settings.database_url_effective) as session:
        experiment = session.get(Experiment, experiment_id)
        assert experiment is not None
        return experiment


def all_terminal(settings: Settings, experiment_id: str) -> list[Run] | None:
    runs = runs_of(settings, experiment_id)
    return runs if all(r.status.value in TERMINAL for r in runs) else None


def epochs_of(settings: Settings, run_id: str) -> list[RunEpoch]:
    with session_scope(settings.database_url_effective) as session:
        return list(
            session.scalars(
                sa.select(RunEpoch).where(RunEpoch.run_id == run_id).order_by(RunEpoch.epoch)
            )
        )


def metric_keys(settings: Settings, run_id: str) -> list[str]:
    with session_scope(settings.database_url_effective) as session:
        return sorted(
            session.scalars(sa.select(MetricResult.key).where(MetricResult.run_id == run_id))
        )


def test_smoke_experiment_posted_through_the_api_completes_and_serves_its_curve(
    api: TestClient, worker_settings: Settings, worker_env: dict[str, str], tmp_path: Path
) -> None:
    experiment_id = post_experiment(api, smoke_spec("smoke", [1.0, 4.0]))
    worker = celery_worker(worker_env, tmp_path / "worker.log")
    try:
        runs = wait_for(
            lambda: all_terminal(worker_settings, experiment_id), timeout=120, what="both runs"
        )
    finally:
        worker.stop()
    assert [r.status for r in runs] == [RunStatus.completed] * 2, worker.log()[-3000:]
    for run in runs:
        assert run.attempts == 1
        assert run.compute_seconds > 0
        assert [e.epoch for e in epochs_of(worker_settings, run.id)] == [1, 2]
        assert metric_keys(worker_settings, run.id) == [
            "kl",
            "logreg_accuracy",
            "recon_l2",
            "recon_loss",
            "total_cost",
        ]
        picture = api.get(f"/runs/{run.id}/traversal.png")
        assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")
    assert experiment_of(worker_settings, experiment_id).status.value == "completed"
    curve = api.get(f"/results/{experiment_id}/curve", params={"metric": "recon_loss"})
    assert curve.status_code == 200, curve.text
    points = curve.json()["points"]
    assert sorted(p["beta"] for p in points) == [1.0, 4.0]
    assert all(p["n"] == 1 and math.isfinite(p["mean"]) for p in points)
