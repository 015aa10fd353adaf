"""Fused bundles end to end: real PostgreSQL, Redis and Celery worker processes, bundle size 2."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from persistence.db import session_scope
from persistence.models import Run, RunStatus
from persistence.settings import Settings
from tests.utils.processes import betalab_cli, celery_worker, wait_for
from tests.worker.conftest import keyed_api, process_env
from tests.worker.test_worker import (
    METRIC_KEYS,
    epochs_of,
    experiment_of,
    metric_keys,
    post_experiment,
    runs_of,
    smoke_spec,
    wait_terminal,
    worked_through,
)
from worker.bundles import group_bundles


def test_group_bundles_groups_by_key_in_order_up_to_the_size() -> None:
    a, b = ("e1", "fc", None), ("e1", "conv", None)
    rows = [("r1", a), ("r2", b), ("r3", a), ("r4", a), ("r5", b), ("r6", ("e2", "fc", None))]
    assert group_bundles(rows, 2) == [["r1", "r3"], ["r2", "r5"], ["r4"], ["r6"]]
    assert group_bundles(rows, 1) == [[r] for r, _ in rows]


@pytest.fixture
def bundle_settings(worker_settings: Settings) -> Settings:
    return worker_settings.model_copy(update={"fused_bundle_size": 2})


@pytest.fixture
def bundle_api(bundle_settings: Settings) -> Iterator[TestClient]:
    """The real API app enqueueing with bundle size 2."""
    yield from keyed_api(bundle_settings, "bundle-tests")


def _running_with_epochs(settings: Settings, run_ids: list[str], n: int) -> bool:
    with session_scope(settings.database_url_effective) as session:
        rows = session.scalars(sa.select(Run).where(Run.id.in_(run_ids))).all()
        return all(r.status == RunStatus.running and r.epochs_done >= n for r in rows)


def test_bundle_trains_fused_and_a_non_finite_run_fails_alone(
    bundle_api: TestClient, bundle_settings: Settings, tmp_path: Path
) -> None:
    experiment_id = post_experiment(bundle_api, smoke_spec("bundle", [1.0, 2.0, 4.0]))
    first, bad, alone = runs_of(bundle_settings, experiment_id)
    assert first.task_id == bad.task_id != alone.task_id  # bundles [first, bad] and [alone]
    with session_scope(bundle_settings.database_url_effective) as session:
        session.execute(sa.update(Run).where(Run.id == bad.id).values(beta=float("inf")))
    env, log_path = process_env(bundle_settings), tmp_path / "worker.log"
    runs, log = worked_through(env, log_path, bundle_settings, experiment_id, timeout=180)
    assert f"training 2 run(s) fused: ['{first.id}', '{bad.id}']" in log, log[-3000:]
    assert [r.status for r in runs] == [RunStatus.completed, RunStatus.failed, RunStatus.completed]
    assert "non-finite training loss at epoch 1 step 0" in (runs[1].failure_reason or "")
    assert [r.attempts for r in runs] == [1, 1, 1]
    for run in (runs[0], runs[2]):
        assert run.compute_seconds > 0
        assert [e.epoch for e in epochs_of(bundle_settings, run.id)] == [1, 2]
        assert metric_keys(bundle_settings, run.id) == METRIC_KEYS
    assert epochs_of(bundle_settings, bad.id) == []
    assert experiment_of(bundle_settings, experiment_id).status.value == "completed"


def test_a_bundle_of_another_objective_trains_each_run_alone_through_the_service(
    bundle_api: TestClient, bundle_settings: Settings, tmp_path: Path
) -> None:
    # β-TCVAE's cost is a statistic of the batch's codes: its runs are not stacked (fused).
    spec = smoke_spec("tcvae", [1.0, 6.0], objective="beta_tcvae")
    experiment_id, run_ids = posted(bundle_api, bundle_settings, spec)
    assert len({r.task_id for r in runs_of(bundle_settings, experiment_id)}) == 1  # one bundle
    env, log_path = process_env(bundle_settings), tmp_path / "worker.log"
    runs, log = worked_through(env, log_path, bundle_settings, experiment_id, timeout=180)
    assert "fused" not in log, log[-3000:]
    assert [r.status for r in runs] == [RunStatus.completed] * 2, log[-3000:]
    for run in runs:
        assert [e.epoch for e in epochs_of(bundle_settings, run.id)] == [1, 2]
        assert metric_keys(bundle_settings, run.id) == METRIC_KEYS
        detail = bundle_api.get(f"/runs/{run.id}").json()
        assert detail["config"]["training"]["objective"] == "beta_tcvae"


def posted(api: TestClient, settings: Settings, spec: dict) -> tuple[str, list[str]]:
    """The experiment `spec` made through the API, and its run ids in grid order."""
    experiment_id = post_experiment(api, spec)
    return experiment_id, [r.id for r in runs_of(settings, experiment_id)]


def test_killed_bundle_resumes_each_run_alone_from_its_fused_checkpoint(
    bundle_api: TestClient, bundle_settings: Settings, tmp_path: Path
) -> None:
    spec = smoke_spec("kill-bundle", [1.0, 2.0], max_epochs=5, patience=100, train_fraction=0.05)
    experiment_id, run_ids = posted(bundle_api, bundle_settings, spec)
    env = process_env(bundle_settings)
    first = celery_worker(env, tmp_path / "worker1.log")
    try:
        wait_for(
            lambda: _running_with_epochs(bundle_settings, run_ids, 2), timeout=120, what="epoch 2"
        )
    finally:
        first.kill9()
    killed_at = time.time()
    assert f"training 2 run(s) fused: {run_ids}" in first.log(), first.log()[-3000:]
    before = {r: {e.epoch: e.id for e in epochs_of(bundle_settings, r)} for r in run_ids}
    assert all(2 <= len(b) < 5 for b in before.values())

    # The pool's sweeper re-sends each run on its own; each resumes from its fused latest.pt.
    second = betalab_cli(["worker", "--cpu", "1"], env, tmp_path / "pool.log")
    try:
        runs = wait_terminal(bundle_settings, experiment_id, timeout=180, what="resumed runs")
    finally:
        second.stop()
    for run in runs:
        assert run.status == RunStatus.completed, run.failure_reason
        assert run.attempts == 2
        epochs = epochs_of(bundle_settings, run.id)
        assert [e.epoch for e in epochs] == [1, 2, 3, 4, 5]
        for e in epochs:  # epochs trained fused before the kill were kept
            if e.epoch in before[run.id]:
                assert e.id == before[run.id][e.epoch]
            else:
                assert e.created_at.timestamp() > killed_at
        assert metric_keys(bundle_settings, run.id) == METRIC_KEYS


def test_cancel_stops_every_run_of_a_running_bundle(
    bundle_api: TestClient, bundle_settings: Settings, tmp_path: Path
) -> None:
    # Epochs of several steps: the cancel check is throttled to once a second per run.
    spec = smoke_spec("cancel-bundle", [1.0, 2.0], max_epochs=50, patience=100, train_fraction=0.3)
    experiment_id, run_ids = posted(bundle_api, bundle_settings, spec)
    worker = celery_worker(process_env(bundle_settings), tmp_path / "worker.log")
    try:
        wait_for(
            lambda: _running_with_epochs(bundle_settings, run_ids, 1), timeout=120, what="epoch 1"
        )
        response = bundle_api.post(f"/experiments/{experiment_id}/cancel")
        assert response.status_code == 200, response.text
        with session_scope(bundle_settings.database_url_effective) as session:
            at_cancel = max(session.scalars(sa.select(Run.epochs_done).where(Run.id.in_(run_ids))))
        runs = wait_terminal(bundle_settings, experiment_id, timeout=60, what="cancellation")
    finally:
        worker.stop()
    assert f"training 2 run(s) fused: {run_ids}" in worker.log(), worker.log()[-3000:]
    assert [r.status for r in runs] == [RunStatus.cancelled, RunStatus.cancelled]
    assert [r.attempts for r in runs] == [1, 1]
    assert all(r.epochs_done <= at_cancel + 1 for r in runs), (
        [r.epochs_done for r in runs],
        at_cancel,
    )
    assert all(metric_keys(bundle_settings, r.id) == [] for r in runs)
    assert experiment_of(bundle_settings, experiment_id).status.value == "cancelled"
