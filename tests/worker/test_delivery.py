"""worker.delivery.Delivery: heartbeats while the work runs, the run's way out when it breaks.

In process, on the test PostgreSQL and a private Redis: the transitions are the database's, the
retry message is the broker's.
"""

from __future__ import annotations

import json
import time

import pytest
from celery.exceptions import SoftTimeLimitExceeded

from persistence import crud
from persistence.db import session_scope
from persistence.models import Run, RunStatus, TaskPhase
from persistence.settings import Settings
from vae_core.spec import ExperimentSpec
from worker.celery_app import TRAIN_QUEUE, redis_client
from worker.delivery import Delivery, Member, claim, claim_all

SPEC = {
    "name": "delivery",
    "dataset": "shapes",
    "model_types": ["fc"],
    "betas": [0.0, 1.0],
    "seeds": [0],
    "label_fractions": None,
    "metrics": ["mig"],
    "training": {"preset": "smoke"},
}


def claimed(settings: Settings, task_id: str = "task-1") -> list[Member]:
    with session_scope(settings.database_url_effective) as session:
        _, run_ids = crud.create_experiment(session=session, spec=ExperimentSpec.from_dict(SPEC))
    members = claim_all(settings, run_ids, task_id=task_id, worker="w", phase=TaskPhase.train)
    assert [run.id for run, _ in members] == run_ids
    return members


def run_row(settings: Settings, run_id: str) -> Run:
    with session_scope(settings.database_url_effective) as session:
        run = session.get(Run, run_id)
        assert run is not None
        session.expunge(run)
        return run


def test_finished_work_leaves_the_runs_running_and_beat_while_it_ran(
    worker_settings: Settings,
) -> None:
    members = claimed(worker_settings)
    before = run_row(worker_settings, members[0][0].id).heartbeat_at
    with Delivery(worker_settings, members, task_id="task-1", stage="training") as delivery:
        time.sleep(2.5 * worker_settings.heartbeat_interval_s)
    assert delivery.ok
    for run, _ in members:
        row = run_row(worker_settings, run.id)
        assert row.status == RunStatus.running and row.task_id == "task-1"
        assert row.heartbeat_at > before


def test_past_the_time_limit_every_run_fails_with_the_stage_and_its_share_of_time(
    worker_settings: Settings,
) -> None:
    members = claimed(worker_settings)
    with Delivery(worker_settings, members, task_id="task-1", stage="evaluation") as delivery:
        delivery.spent = 12.5
        raise SoftTimeLimitExceeded()
    assert not delivery.ok
    limit = worker_settings.task_soft_time_limit_s
    for run, _ in members:
        row = run_row(worker_settings, run.id)
        assert row.status == RunStatus.failed
        assert row.failure_reason == f"time limit of {limit} s exceeded in evaluation"
        assert row.compute_seconds == pytest.approx(12.5)


def test_an_error_hands_every_run_to_a_new_delivery_with_the_reason(
    worker_settings: Settings,
) -> None:
    members = claimed(worker_settings)
    with Delivery(worker_settings, members, task_id="task-1", stage="training") as delivery:
        raise RuntimeError("disk full")
    assert not delivery.ok
    client = redis_client(worker_settings.broker_url)
    sent = {json.loads(raw)["headers"]["id"] for raw in client.lrange(TRAIN_QUEUE, 0, -1)}
    for run, _ in members:
        row = run_row(worker_settings, run.id)
        assert row.status == RunStatus.queued and row.failure_reason == "RuntimeError: disk full"
        assert row.task_id != "task-1" and row.task_id in sent  # the new delivery is on its way
    # queued again: the next claim (by the new delivery or any other) is a second attempt
    again = claim(
        worker_settings, members[0][0].id, task_id="task-1", worker="w", phase=TaskPhase.train
    )
    assert again is not None and again[0].attempts == 2


def test_an_interrupt_is_not_swallowed_and_changes_no_run(worker_settings: Settings) -> None:
    members = claimed(worker_settings)
    with (
        pytest.raises(KeyboardInterrupt),
        Delivery(worker_settings, members, task_id="task-1", stage="training"),
    ):
        raise KeyboardInterrupt
    row = run_row(worker_settings, members[0][0].id)
    assert row.status == RunStatus.running and row.task_id == "task-1"


def test_an_unknown_phase_is_refused(worker_settings: Settings) -> None:
    with pytest.raises(ValueError, match="'score'"):
        claim(worker_settings, "no-such-run", task_id="t", worker="w", phase="score")  # type: ignore[arg-type]
