"""Run status transitions on SQLite and PostgreSQL: claims, attempts, cancel, experiment status."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from persistence import runs
from persistence.db import session_factory, session_scope
from persistence.models import (
    Experiment,
    ExperimentStatus,
    Run,
    RunEpoch,
    RunStatus,
    TaskPhase,
    utcnow,
)

STATS = {k: 1.0 for k in runs.EPOCH_FIELDS}


def make_experiment(url: str, n_runs: int) -> tuple[str, list[str]]:
    with session_scope(url) as session:
        experiment = Experiment(name="t", dataset="mnist", spec={}, run_count=n_runs)
        session.add(experiment)
        session.flush()
        rows = [
            Run(experiment_id=experiment.id, grid_index=i, model_type="fc", beta=1.0, seed=i)
            for i in range(n_runs)
        ]
        session.add_all(rows)
        session.flush()
        return experiment.id, [r.id for r in rows]


def claim(
    session: Session, run_id: str, task_id: str, phase: TaskPhase = TaskPhase.train, **kw
) -> runs.Claim:
    options = {"max_attempts": 3, "stale_after_s": 60.0, **kw}
    return runs.claim_run(
        session=session, run_id=run_id, task_id=task_id, worker="w", phase=phase, **options
    )


def get_run(url: str, run_id: str) -> Run:
    with session_scope(url) as session:
        run = session.get(Run, run_id)
        assert run is not None
        return run


def test_a_second_delivery_cannot_claim_a_run_owned_by_a_live_task(database_url: str) -> None:
    _, (run_id,) = make_experiment(database_url, 1)
    with session_factory(database_url)() as session:
        assert claim(session, run_id, "t1").run is not None
        duplicate = claim(session, run_id, "t2")
    assert duplicate.run is None and "another live task" in (duplicate.skipped or "")
    run = get_run(database_url, run_id)
    assert (run.status, run.task_id, run.attempts) == (RunStatus.running, "t1", 1)


def test_redeliveries_count_attempts_and_give_up_past_the_cap(database_url: str) -> None:
    _, (run_id,) = make_experiment(database_url, 1)
    with session_factory(database_url)() as session:
        for attempt in (1, 2, 3):
            claimed = claim(session, run_id, "t1")  # same message after a crash
            assert claimed.run is not None and claimed.run.attempts == attempt
        assert claim(session, run_id, "t1").run is None
    run = get_run(database_url, run_id)
    assert run.status == RunStatus.failed and run.attempts == 3
    assert run.failure_reason == "gave up after 3 attempts: worker lost during train"


def test_a_finished_run_redelivered_is_a_no_op(database_url: str) -> None:
    experiment_id, (run_id,) = make_experiment(database_url, 1)
    with session_factory(database_url)() as session:
        claim(session, run_id, "t1")
        history = [{"epoch": 1, **STATS}]
        assert runs.finish_training(
            session=session,
            run_id=run_id,
            task_id="t1",
            eval_task_id="e1",
            best_epoch=1,
            history=history,
            compute_seconds=2.0,
        )
        evaluating = claim(session, run_id, "e1", phase=TaskPhase.evaluate)
        assert evaluating.run is not None and evaluating.run.attempts == 1  # hand-over is free
        assert runs.complete_run(
            session=session,
            run_id=run_id,
            task_id="e1",
            values={"recon_loss": 3.0},
            images={"traversal": b"png"},
            compute_seconds=1.0,
        )
        assert claim(session, run_id, "t1").skipped == "run already completed"
        assert claim(session, run_id, "e1", phase=TaskPhase.evaluate).run is None
    run = get_run(database_url, run_id)
    assert (run.status, run.attempts, run.compute_seconds) == (RunStatus.completed, 1, 3.0)
    with session_scope(database_url) as session:
        assert session.get(Experiment, experiment_id).status == ExperimentStatus.completed
        assert session.scalar(sa.select(sa.func.count()).select_from(RunEpoch)) == 1


def test_epochs_of_a_lost_attempt_are_replaced_and_a_non_owner_cannot_write(
    database_url: str,
) -> None:
    _, (run_id,) = make_experiment(database_url, 1)
    with session_factory(database_url)() as session:
        claim(session, run_id, "t1")
        for epoch in (1, 2, 3):
            assert runs.record_epoch(
                session=session, run_id=run_id, task_id="t1", epoch=epoch, stats=STATS
            )
        assert not runs.record_epoch(
            session=session, run_id=run_id, task_id="other", epoch=4, stats=STATS
        )
        claim(session, run_id, "t1")  # redelivered; checkpoint was at epoch 1
        assert runs.record_epoch(
            session=session, run_id=run_id, task_id="t1", epoch=2, stats={**STATS, "val_loss": 0.5}
        )
        epochs = session.execute(
            sa.select(RunEpoch.epoch, RunEpoch.val_loss)
            .where(RunEpoch.run_id == run_id)
            .order_by(RunEpoch.epoch)
        ).all()
    assert [tuple(e) for e in epochs] == [(1, 1.0), (2, 0.5)]
    assert get_run(database_url, run_id).epochs_done == 2


def test_cancel_cancels_queued_runs_and_the_experiment_once_running_ones_stop(
    database_url: str,
) -> None:
    experiment_id, (running, queued) = make_experiment(database_url, 2)
    with session_factory(database_url)() as session:
        runs.mark_enqueued(session=session, run_ids=[running, queued], task_ids=["t1", "t2"])
        claim(session, running, "t1")
        assert runs.cancel_experiment(session=session, experiment_id=experiment_id) == ["t2"]
        assert session.get(Experiment, experiment_id).status == ExperimentStatus.running
        assert runs.end_run(
            session=session,
            run_id=running,
            task_id="t1",
            status=RunStatus.cancelled,
            reason="cancelled by request",
        )
        session.expire_all()
        assert session.get(Experiment, experiment_id).status == ExperimentStatus.cancelled
    assert get_run(database_url, queued).status == RunStatus.cancelled


@pytest.mark.parametrize(
    ("counts", "cancel", "expected"),
    [
        ({RunStatus.queued: 2}, False, ExperimentStatus.queued),
        ({RunStatus.queued: 1, RunStatus.completed: 1}, False, ExperimentStatus.running),
        ({RunStatus.evaluating: 1, RunStatus.failed: 1}, True, ExperimentStatus.running),
        ({RunStatus.completed: 1, RunStatus.failed: 3}, False, ExperimentStatus.completed),
        ({RunStatus.failed: 2}, False, ExperimentStatus.failed),
        ({RunStatus.completed: 2, RunStatus.cancelled: 1}, True, ExperimentStatus.cancelled),
    ],
)
def test_experiment_status_is_derived_from_run_counts(counts, cancel, expected) -> None:
    assert runs.derive_experiment_status(counts, cancel) == expected


def test_sweep_candidates_are_stale_owners_and_long_waiting_runs(database_url: str) -> None:
    _, (stale, fresh, waiting) = make_experiment(database_url, 3)
    with session_factory(database_url)() as session:
        runs.mark_enqueued(session=session, run_ids=[waiting], task_ids=["t3"])
        claim(session, stale, "t1")
        claim(session, fresh, "t2")
        old = utcnow() - timedelta(seconds=600)
        session.execute(sa.update(Run).where(Run.id == stale).values(heartbeat_at=old))
        session.execute(sa.update(Run).where(Run.id == waiting).values(enqueued_at=old))
        session.commit()
        cutoff = utcnow() - timedelta(seconds=60)
        found = runs.sweep_candidates(session=session, stale_before=cutoff)
        assert {(c.run_id, c.stale) for c in found} == {(stale, True), (waiting, False)}
        phases = {
            c.run_id: runs.reassign_task(
                session=session, candidate=c, new_task_id=f"new-{c.run_id}", stale_before=cutoff
            )
            for c in found
        }
    assert phases == {stale: "train", waiting: "train"}
    again = get_run(database_url, stale)
    assert (again.status, again.task_id) == (RunStatus.queued, f"new-{stale}")
    with session_factory(database_url)() as session:
        assert claim(session, stale, f"new-{stale}").run.attempts == 2
