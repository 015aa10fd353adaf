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
import torch
from fastapi.testclient import TestClient

from persistence.db import session_scope
from persistence.models import Experiment, MetricResult, Run, RunEpoch, RunStatus
from persistence.settings import Settings
from tests.utils.processes import RedisServer, betalab_cli, celery_worker, wait_for
from tests.worker.conftest import process_env
from vae_core.models import model_config_for
from vae_core.precision import precision_name
from vae_core.train import PRESETS, resolve_precision

TERMINAL = {"completed", "failed", "cancelled"}
# The result keys of the smoke spec's metric (logreg) and reconstruction, sorted.
METRIC_KEYS = ["kl", "logreg_accuracy", "recon_l2", "recon_loss", "total_cost"]


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


def wait_terminal(
    settings: Settings, experiment_id: str, *, timeout: float, what: str
) -> list[Run]:
    """The experiment's runs once every one is terminal; fails the test after `timeout` s."""
    return wait_for(lambda: all_terminal(settings, experiment_id), timeout=timeout, what=what)


def worked_through(
    env: dict[str, str], log: Path, settings: Settings, experiment_id: str, timeout: float = 120
) -> tuple[list[Run], str]:
    """One Celery worker started on `env` until every run of the experiment is terminal: the runs
    and the worker's log."""
    worker = celery_worker(env, log)
    try:
        runs = wait_terminal(settings, experiment_id, timeout=timeout, what="every run")
    finally:
        worker.stop()
    return runs, worker.log()


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
    runs, log = worked_through(worker_env, tmp_path / "worker.log", worker_settings, experiment_id)
    assert [r.status for r in runs] == [RunStatus.completed] * 2, log[-3000:]
    for run in runs:
        model = model_config_for("mnist", run.model_type)  # what this CPU trains it in
        smoke = resolve_precision(PRESETS["smoke"], model, torch.device("cpu"))
        assert run.attempts == 1
        assert run.compute_seconds > 0
        assert run.precision == precision_name(bool(smoke.bf16))
        assert api.get(f"/runs/{run.id}").json()["precision"] == run.precision
        assert [e.epoch for e in epochs_of(worker_settings, run.id)] == [1, 2]
        assert metric_keys(worker_settings, run.id) == METRIC_KEYS
        picture = api.get(f"/runs/{run.id}/traversal.png")
        assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")
    assert experiment_of(worker_settings, experiment_id).status.value == "completed"
    curve = api.get(f"/results/{experiment_id}/curve", params={"metric": "recon_loss"})
    assert curve.status_code == 200, curve.text
    points = curve.json()["points"]
    assert sorted(p["beta"] for p in points) == [1.0, 4.0]
    assert all(p["n"] == 1 and math.isfinite(p["mean"]) for p in points)


def _running_with_epochs(settings: Settings, run_id: str, n: int) -> bool:
    run = next(r for r in runs_of_run(settings, run_id))
    return run.status == RunStatus.running and run.epochs_done >= n


def runs_of_run(settings: Settings, run_id: str) -> list[Run]:
    with session_scope(settings.database_url_effective) as session:
        run = session.get(Run, run_id)
        assert run is not None
        return [run]


def test_killed_worker_run_resumes_from_its_checkpoint_on_a_new_worker(
    api: TestClient, worker_settings: Settings, worker_env: dict[str, str], tmp_path: Path
) -> None:
    spec = smoke_spec("kill", [1.0], max_epochs=6, patience=100, train_fraction=0.05)
    experiment_id = post_experiment(api, spec)
    (run,) = runs_of(worker_settings, experiment_id)
    first = celery_worker(worker_env, tmp_path / "worker1.log")
    try:
        wait_for(
            lambda: _running_with_epochs(worker_settings, run.id, 2), timeout=90, what="2 epochs"
        )
    finally:
        first.kill9()
    killed_at = time.time()
    before = {e.epoch: (e.id, e.created_at) for e in epochs_of(worker_settings, run.id)}
    assert 2 <= len(before) < 6

    # The pool's sweeper notices the stale heartbeat and sends the run again.
    second = betalab_cli(["worker", "--cpu", "1"], worker_env, tmp_path / "pool.log")
    try:
        (done,) = wait_terminal(worker_settings, experiment_id, timeout=120, what="resumed run")
    finally:
        second.stop()
    assert done.status == RunStatus.completed, done.failure_reason
    assert done.attempts == 2
    epochs = epochs_of(worker_settings, run.id)
    assert [e.epoch for e in epochs] == [1, 2, 3, 4, 5, 6]
    # Epochs from before the kill were kept, not trained again from epoch 1.
    for e in epochs:
        if e.epoch in before:
            assert (e.id, e.created_at) == before[e.epoch]
        else:
            assert e.created_at.timestamp() > killed_at
    assert metric_keys(worker_settings, run.id) == METRIC_KEYS


def test_runs_queued_while_redis_and_the_api_stop_all_complete_after_restart(
    worker_settings: Settings, tmp_path: Path, postgres_url: str
) -> None:
    redis_server = RedisServer(tmp_path / "redis").start()
    settings = worker_settings.model_copy(update={"broker_url": f"{redis_server.url}/0"})
    env = process_env(settings)
    from api.main import create_app
    from persistence.keys import create_api_key

    with session_scope(postgres_url) as session:
        key = create_api_key(session=session, name="outage")
    with TestClient(create_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {key}"
        experiment_id = post_experiment(client, smoke_spec("outage", [1.0, 2.0, 4.0]))
    worker = betalab_cli(["worker", "--cpu", "1"], env, tmp_path / "pool.log")
    try:
        wait_for(
            lambda: any(r.status != RunStatus.queued for r in runs_of(settings, experiment_id)),
            timeout=60,
            what="a run to start",
        )
        redis_server.stop()  # broker down with runs queued and one in progress
        time.sleep(3)
        redis_server.start()
        runs = wait_terminal(settings, experiment_id, timeout=150, what="every run")
    finally:
        worker.stop()
        redis_server.stop()
    assert [r.status for r in runs] == [RunStatus.completed] * 3, worker.log()[-3000:]
    for run in runs:
        assert len(metric_keys(settings, run.id)) == 5


def test_cancel_mid_run_stops_within_one_epoch_and_marks_it_cancelled(
    api: TestClient, worker_settings: Settings, worker_env: dict[str, str], tmp_path: Path
) -> None:
    spec = smoke_spec("cancel", [1.0, 2.0], max_epochs=50, patience=100, train_fraction=0.05)
    experiment_id = post_experiment(api, spec)
    first, second = runs_of(worker_settings, experiment_id)
    worker = celery_worker(worker_env, tmp_path / "worker.log")
    try:
        wait_for(
            lambda: _running_with_epochs(worker_settings, first.id, 1), timeout=90, what="epoch 1"
        )
        response = api.post(f"/experiments/{experiment_id}/cancel")
        assert response.status_code == 200, response.text
        at_cancel = runs_of_run(worker_settings, first.id)[0].epochs_done
        runs = wait_terminal(worker_settings, experiment_id, timeout=30, what="cancellation")
    finally:
        worker.stop()
    assert [r.status for r in runs] == [RunStatus.cancelled, RunStatus.cancelled]
    stopped = runs[0]
    assert stopped.epochs_done <= at_cancel + 1
    assert len(epochs_of(worker_settings, first.id)) <= at_cancel + 1
    assert runs[1].attempts == 0 and runs[1].started_at is None  # never started
    assert metric_keys(worker_settings, first.id) == []
    assert experiment_of(worker_settings, experiment_id).status.value == "cancelled"


def test_nan_run_fails_with_its_reason_and_the_rest_of_the_experiment_completes(
    api: TestClient, worker_settings: Settings, worker_env: dict[str, str], tmp_path: Path
) -> None:
    experiment_id = post_experiment(api, smoke_spec("nan", [1.0, 2.0]))
    bad, good = runs_of(worker_settings, experiment_id)
    with session_scope(worker_settings.database_url_effective) as session:
        # An infinite KL weight makes the first training loss non-finite.
        session.execute(sa.update(Run).where(Run.id == bad.id).values(beta=float("inf")))
    runs, _ = worked_through(worker_env, tmp_path / "worker.log", worker_settings, experiment_id)
    assert runs[0].status == RunStatus.failed
    assert "non-finite training loss" in (runs[0].failure_reason or "")
    assert runs[0].attempts == 1  # a deterministic failure is not retried
    assert runs[1].status == RunStatus.completed
    assert experiment_of(worker_settings, experiment_id).status.value == "completed"
