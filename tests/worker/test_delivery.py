"""worker.delivery.Delivery: the claim, heartbeats while the work runs, the way out when it breaks.

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
from tests.utils.specs import smoke_body
from vae_core.spec import ExperimentSpec
from worker.celery_app import TRAIN_QUEUE, redis_client
from worker.delivery import Delivery, claim

SPEC = smoke_body("delivery", seeds=[0], label_fractions=None, metrics=["mig"])


def new_runs(settings: Settings) -> list[str]:
    with session_scope(settings.database_url_effective) as session:
        _, run_ids = crud.create_experiment(session=session, spec=ExperimentSpec.from_dict(SPEC))
    return run_ids


def delivery(
    settings: Settings, run_ids: list[str], stage: str = "training", task_id: str = "task-1"
) -> Delivery:
    phase = TaskPhase.evaluate if stage == "evaluation" else TaskPhase.train
    return Delivery(settings, run_ids, task_id=task_id, worker="w", phase=phase, stage=stage)


def run_row(settings: Settings, run_id: str) -> Run:
    with session_scope(settings.database_url_effective) as session:
        run = session.get(Run, run_id)
        assert run is not None
        session.expunge(run)
        return run


def test_finished_work_leaves_the_runs_running_and_beat_while_it_ran(
    worker_settings: Settings,
) -> None:
    run_ids = new_runs(worker_settings)
    with delivery(worker_settings, run_ids) as held:
        assert [run.id for run, _ in held.members] == run_ids  # claimed on the way in, in order
        assert {experiment.name for _, experiment in held.members} == {"delivery"}
        before = run_row(worker_settings, run_ids[0]).heartbeat_at
        time.sleep(2.5 * worker_settings.heartbeat_interval_s)
    assert held.ok
    for run_id in run_ids:
        row = run_row(worker_settings, run_id)
        assert row.status == RunStatus.running and row.task_id == "task-1"
        assert row.attempts == 1 and row.heartbeat_at > before


def test_a_run_another_delivery_holds_is_left_out_and_untouched_by_the_way_out(
    worker_settings: Settings,
) -> None:
    run_ids = new_runs(worker_settings)
    with delivery(worker_settings, run_ids[:1], task_id="task-other") as other:
        with delivery(worker_settings, run_ids, task_id="task-1") as held:
            assert [run.id for run, _ in held.members] == run_ids[1:]
            raise RuntimeError("disk full")
        assert not held.ok
        assert other.members and run_row(worker_settings, run_ids[0]).task_id == "task-other"
    assert run_row(worker_settings, run_ids[0]).status == RunStatus.running
    retried = run_row(worker_settings, run_ids[1])
    assert (
        retried.status == RunStatus.queued and retried.failure_reason == "RuntimeError: disk full"
    )


def test_a_delivery_whose_runs_are_all_past_its_phase_holds_none(worker_settings: Settings) -> None:
    run_ids = new_runs(worker_settings)  # queued for training, not evaluation
    with delivery(worker_settings, run_ids, stage="evaluation") as held:
        assert held.members == []
    assert held.ok
    assert {run_row(worker_settings, r).status for r in run_ids} == {RunStatus.queued}


def test_past_the_time_limit_every_run_fails_with_the_stage_and_its_share_of_time(
    worker_settings: Settings,
) -> None:
    run_ids = new_runs(worker_settings)
    with delivery(worker_settings, run_ids) as held:
        held.spent = 12.5
        raise SoftTimeLimitExceeded()
    assert not held.ok
    limit = worker_settings.task_soft_time_limit_s
    for run_id in run_ids:
        row = run_row(worker_settings, run_id)
        assert row.status == RunStatus.failed
        assert row.failure_reason == f"time limit of {limit} s exceeded in training"
        assert row.compute_seconds == pytest.approx(12.5)


def test_an_error_hands_every_run_to_a_new_delivery_with_the_reason(
    worker_settings: Settings,
) -> None:
    run_ids = new_runs(worker_settings)
    with delivery(worker_settings, run_ids) as held:
        raise RuntimeError("disk full")
    assert not held.ok
    client = redis_client(worker_settings.broker_url)
    sent = {json.loads(raw)["headers"]["id"] for raw in client.lrange(TRAIN_QUEUE, 0, -1)}
    for run_id in run_ids:
        row = run_row(worker_settings, run_id)
        assert row.status == RunStatus.queued and row.failure_reason == "RuntimeError: disk full"
        assert row.task_id != "task-1" and row.task_id in sent  # the new delivery is on its way
    # queued again: the next claim (by the new delivery or any other) is a second attempt
    again = claim(worker_settings, run_ids[0], task_id="task-1", worker="w", phase=TaskPhase.train)
    assert again is not None and again[0].attempts == 2


def test_an_interrupt_is_not_swallowed_and_changes_no_run(worker_settings: Settings) -> None:
    run_ids = new_runs(worker_settings)
    with pytest.raises(KeyboardInterrupt), delivery(worker_settings, run_ids):
        raise KeyboardInterrupt
    row = run_row(worker_settings, run_ids[0])
    assert row.status == RunStatus.running and row.task_id == "task-1"


def test_an_unknown_phase_is_refused(worker_settings: Settings) -> None:
    with pytest.raises(ValueError, match="'score'"):
        claim(worker_settings, "no-such-run", task_id="t", worker="w", phase="score")  # type: ignore[arg-type]
