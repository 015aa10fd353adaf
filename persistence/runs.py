"""The one place a run's status changes: enqueue, claim, progress, finish, fail, cancel.

Every worker transition is a conditional UPDATE on the run row (`WHERE task_id = :mine AND
status = :expected`), so a duplicate or stale delivery of a task can never overwrite the work of
the delivery that owns the run. Transitions that also change the experiment's status lock the
experiment row first (PostgreSQL `SELECT ... FOR UPDATE`; SQLite serialises writers anyway), which
keeps the derived experiment status right when several workers finish runs at the same moment and
keeps the lock order (experiment, then runs) the same everywhere.

Experiment status, derived from the run counts by `refresh_experiment_status`:
- any run running or evaluating -> running;
- some runs queued: running if any run already reached a terminal status, else queued;
- all runs terminal: cancelled if cancellation was requested (or every run was cancelled),
  completed if at least one run completed, failed otherwise (every run failed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from persistence.models import (
    TERMINAL_RUN_STATUSES,
    Artifact,
    Experiment,
    ExperimentStatus,
    MetricResult,
    Run,
    RunEpoch,
    RunStatus,
    TaskPhase,
    utcnow,
)

ACTIVE_RUN_STATUSES = (RunStatus.running, RunStatus.evaluating)
TERMINAL_EXPERIMENT_STATUSES = frozenset(
    {ExperimentStatus.completed, ExperimentStatus.failed, ExperimentStatus.cancelled}
)
EPOCH_FIELDS = (
    "train_loss",
    "val_loss",
    "recon",
    "kl",
    "val_recon",
    "val_kl",
    "images_per_s",
    "seconds",
)


# ---- experiment status ------------------------------------------------------------------------


def _rows(result: Any) -> int:
    """Rows changed by an UPDATE (a CursorResult's rowcount)."""
    return int(result.rowcount)


def _lock_experiment(session: Session, experiment_id: str) -> Experiment | None:
    """The experiment row, locked for this transaction on PostgreSQL."""
    return session.execute(
        sa.select(Experiment).where(Experiment.id == experiment_id).with_for_update()
    ).scalar_one_or_none()


def derive_experiment_status(
    counts: Mapping[RunStatus, int], cancel_requested: bool
) -> ExperimentStatus:
    """The experiment status implied by its run counts (rules in the module docstring)."""
    active = sum(counts.get(s, 0) for s in ACTIVE_RUN_STATUSES)
    queued = counts.get(RunStatus.queued, 0)
    completed = counts.get(RunStatus.completed, 0)
    cancelled = counts.get(RunStatus.cancelled, 0)
    failed = counts.get(RunStatus.failed, 0)
    terminal = completed + cancelled + failed
    if active:
        return ExperimentStatus.running
    if queued:
        return ExperimentStatus.running if terminal else ExperimentStatus.queued
    if cancel_requested or (cancelled and cancelled == terminal):
        return ExperimentStatus.cancelled
    if completed:
        return ExperimentStatus.completed
    return ExperimentStatus.failed


def refresh_experiment_status(*, session: Session, experiment_id: str) -> ExperimentStatus:
    """Recompute and store the experiment's status from its runs (flushes, does not commit)."""
    experiment = _lock_experiment(session, experiment_id)
    if experiment is None:
        raise LookupError(f"no experiment {experiment_id}")
    rows = session.execute(
        sa.select(Run.status, sa.func.count())
        .where(Run.experiment_id == experiment_id)
        .group_by(Run.status)
    ).all()
    counts = {RunStatus(status): n for status, n in rows}
    status = derive_experiment_status(counts, experiment.cancel_requested)
    if status != experiment.status:
        experiment.status = status
        experiment.updated_at = utcnow()
    terminal = status in TERMINAL_EXPERIMENT_STATUSES
    if terminal and experiment.finished_at is None:
        experiment.finished_at = utcnow()
    elif not terminal:
        experiment.finished_at = None
    session.flush()
    return status


# ---- API side ---------------------------------------------------------------------------------


def mark_enqueued(*, session: Session, run_ids: Sequence[str], task_ids: Sequence[str]) -> None:
    """Record the task id sent for each queued run, and when (one executemany UPDATE; commits)."""
    if len(run_ids) != len(task_ids):
        raise ValueError("run_ids and task_ids differ in length")
    if not run_ids:
        return
    table = cast(sa.Table, Run.__table__)
    session.execute(
        sa.update(table)
        .where(table.c.id == sa.bindparam("b_run_id"), table.c.status == RunStatus.queued)
        .values(task_id=sa.bindparam("b_task_id"), enqueued_at=utcnow()),
        [{"b_run_id": r, "b_task_id": t} for r, t in zip(run_ids, task_ids, strict=True)],
    )
    session.commit()


def cancel_experiment(*, session: Session, experiment_id: str) -> list[str]:
    """Request cancellation; queued runs are cancelled now, running ones stop cooperatively.

    Returns the task ids of the runs cancelled here, for the caller to revoke. Commits.
    A finished experiment is left as it is.
    """
    experiment = _lock_experiment(session, experiment_id)
    if experiment is None:
        raise LookupError(f"no experiment {experiment_id}")
    if experiment.status in TERMINAL_EXPERIMENT_STATUSES:
        session.commit()
        return []
    experiment.cancel_requested = True
    experiment.updated_at = utcnow()
    now = utcnow()
    task_ids = session.execute(
        sa.update(Run)
        .where(Run.experiment_id == experiment_id, Run.status == RunStatus.queued)
        .values(status=RunStatus.cancelled, finished_at=now, failure_reason="cancelled by request")
        .returning(Run.task_id)
    ).scalars()
    revoke = [t for t in task_ids if t]
    refresh_experiment_status(session=session, experiment_id=experiment_id)
    session.commit()
    return revoke


# ---- worker side: claiming a delivery ---------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """Outcome of claiming a delivery: `run` when this delivery now owns it, else why not."""

    run: Run | None
    skipped: str | None = None


def _experiment_id_of(session: Session, run_id: str) -> str | None:
    return session.execute(
        sa.select(Run.experiment_id).where(Run.id == run_id)
    ).scalar_one_or_none()


def _holds(session: Session, run_id: str, condition: sa.ColumnElement[bool]) -> bool:
    """Whether the run's (locked) row meets `condition`, evaluated by the database."""
    found = session.execute(sa.select(Run.id).where(Run.id == run_id, condition)).first()
    return found is not None


def _give_up_reason(run: Run, max_attempts: int, phase: TaskPhase) -> str:
    last = run.failure_reason or f"worker lost during {phase.value}"
    return f"gave up after {max_attempts} attempts: {last}"


def claim_run(
    *,
    session: Session,
    run_id: str,
    task_id: str,
    worker: str,
    phase: TaskPhase | str,
    max_attempts: int,
    stale_after_s: float,
) -> Claim:
    """Take ownership of a run for this delivery of its train or evaluate task (commits).

    phase train claims a queued run, or a running one whose owner is gone (same task id
    redelivered, or heartbeat older than `stale_after_s`); each claim is one more attempt.
    phase evaluate claims an evaluating run the same way; its first delivery after training is
    not counted as a new attempt, a redelivery is. Past `max_attempts` the run fails instead.
    """
    phase = TaskPhase(phase)  # a ValueError for an unknown one
    experiment_id = _experiment_id_of(session, run_id)
    if experiment_id is None:
        session.rollback()
        return Claim(None, "run no longer exists")
    experiment = _lock_experiment(session, experiment_id)
    assert experiment is not None
    now = utcnow()
    stale = now - timedelta(seconds=stale_after_s)
    gone = sa.or_(Run.task_id == task_id, Run.heartbeat_at.is_(None), Run.heartbeat_at < stale)
    # The claim condition, stated once: it guards the UPDATE below and the give-up check.
    if phase == TaskPhase.train:
        claimable = sa.or_(
            Run.status == RunStatus.queued, sa.and_(Run.status == RunStatus.running, gone)
        )
        increment: Any = sa.literal(1)
        new_status = RunStatus.running
    else:
        claimable = sa.and_(Run.status == RunStatus.evaluating, sa.or_(Run.worker.is_(None), gone))
        # The hand-over from training clears `worker`; a set worker means a redelivery.
        increment = sa.case((Run.worker.is_(None), 0), else_=1)
        new_status = RunStatus.evaluating

    run = session.get(Run, run_id, populate_existing=True, with_for_update=True)
    assert run is not None
    if run.status in TERMINAL_RUN_STATUSES:
        session.commit()
        return Claim(None, f"run already {run.status.value}")
    if experiment.cancel_requested:
        _finish(session, run, RunStatus.cancelled, "cancelled by request", now)
        refresh_experiment_status(session=session, experiment_id=experiment_id)
        session.commit()
        return Claim(None, "experiment cancelled")

    will_count = phase == TaskPhase.train or run.worker is not None
    if will_count and run.attempts >= max_attempts and _holds(session, run_id, claimable):
        _finish(session, run, RunStatus.failed, _give_up_reason(run, max_attempts, phase), now)
        refresh_experiment_status(session=session, experiment_id=experiment_id)
        session.commit()
        return Claim(None, "attempts exhausted")
    result = session.execute(
        sa.update(Run)
        .where(Run.id == run_id, claimable)
        .values(
            status=new_status,
            attempts=Run.attempts + increment,
            task_id=task_id,
            worker=worker,
            started_at=sa.func.coalesce(Run.started_at, now),
            heartbeat_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if _rows(result) != 1:
        session.commit()
        return Claim(None, f"run is {run.status.value} under another live task")
    session.refresh(run)
    refresh_experiment_status(session=session, experiment_id=experiment_id)
    session.commit()
    return Claim(run)


# ---- worker side: progress --------------------------------------------------------------------


def _owned(run_id: str, task_id: str, *statuses: RunStatus) -> Any:
    """The run is this task's and in one of `statuses` (default: running or evaluating): the
    one spelling of "owned" every worker-side write is guarded by."""
    wanted = [s.value for s in statuses or ACTIVE_RUN_STATUSES]
    return sa.and_(Run.id == run_id, Run.task_id == task_id, Run.status.in_(wanted))


def record_epoch(
    *, session: Session, run_id: str, task_id: str, epoch: int, stats: Mapping[str, float]
) -> bool:
    """Store one epoch (replacing any row of a lost attempt) and beat; False if no longer owner."""
    now = utcnow()
    result = session.execute(
        sa.update(Run)
        .where(_owned(run_id, task_id, RunStatus.running))
        .values(epochs_done=epoch, current_loss=stats["val_loss"], heartbeat_at=now)
        .execution_options(synchronize_session=False)
    )
    if _rows(result) != 1:
        session.rollback()
        return False
    session.execute(sa.delete(RunEpoch).where(RunEpoch.run_id == run_id, RunEpoch.epoch >= epoch))
    session.add(RunEpoch(run_id=run_id, epoch=epoch, **{k: stats[k] for k in EPOCH_FIELDS}))
    session.commit()
    return True


def heartbeat(*, session: Session, run_id: str, task_id: str) -> bool:
    """Mark the run alive; False when this task no longer owns it."""
    result = session.execute(
        sa.update(Run)
        .where(_owned(run_id, task_id))
        .values(heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return _rows(result) == 1


def finish_training(
    *,
    session: Session,
    run_id: str,
    task_id: str,
    eval_task_id: str,
    best_epoch: int | None,
    history: Sequence[Mapping[str, float]],
    compute_seconds: float,
    precision: str | None = None,
) -> bool:
    """Hand a trained run over to evaluation under `eval_task_id` (commits before it is sent);
    `precision` records what training ran in ("fp32" | "bf16").

    Epochs in `history` missing from the table (a kill between checkpoint and row) are filled in.
    """
    now = utcnow()
    result = session.execute(
        sa.update(Run)
        .where(_owned(run_id, task_id, RunStatus.running))
        .values(
            status=RunStatus.evaluating,
            task_id=eval_task_id,
            worker=None,
            best_epoch=best_epoch,
            epochs_done=len(history),
            current_loss=history[-1]["val_loss"] if history else None,
            compute_seconds=Run.compute_seconds + compute_seconds,
            precision=precision,
            enqueued_at=now,
            heartbeat_at=now,
            failure_reason=None,
        )
        .execution_options(synchronize_session=False)
    )
    if _rows(result) != 1:
        session.rollback()
        return False
    have = set(
        session.execute(sa.select(RunEpoch.epoch).where(RunEpoch.run_id == run_id)).scalars()
    )
    for row in history:
        if int(row["epoch"]) not in have:
            fields = {k: row[k] for k in EPOCH_FIELDS}
            session.add(RunEpoch(run_id=run_id, epoch=int(row["epoch"]), **fields))
    session.commit()
    return True


def complete_run(
    *,
    session: Session,
    run_id: str,
    task_id: str,
    values: Mapping[str, float],
    images: Mapping[str, bytes],
    compute_seconds: float,
) -> bool:
    """Store the metrics and pictures of an evaluated run and mark it completed (commits)."""
    experiment_id = _settle(
        session,
        run_id,
        _owned(run_id, task_id, RunStatus.evaluating),
        status=RunStatus.completed,
        reason=None,
        compute_seconds=compute_seconds,
    )
    if experiment_id is None:
        return False
    session.execute(sa.delete(MetricResult).where(MetricResult.run_id == run_id))
    session.execute(sa.delete(Artifact).where(Artifact.run_id == run_id))
    for key, value in sorted(values.items()):
        session.add(
            MetricResult(run_id=run_id, experiment_id=experiment_id, key=key, value=float(value))
        )
    for kind, data in sorted(images.items()):
        session.add(Artifact(run_id=run_id, kind=kind, content_type="image/png", data=data))
    session.flush()
    refresh_experiment_status(session=session, experiment_id=experiment_id)
    session.commit()
    return True


def _settle(
    session: Session,
    run_id: str,
    owned: Any,
    *,
    status: RunStatus,
    reason: str | None,
    compute_seconds: float,
) -> str | None:
    """Move a run this task owns (`owned`) to a terminal status under the experiment's lock.

    Returns the experiment id, or None (rolled back) when the run is gone or not owned.
    """
    experiment_id = _experiment_id_of(session, run_id)
    if experiment_id is None:
        session.rollback()
        return None
    _lock_experiment(session, experiment_id)
    now = utcnow()
    result = session.execute(
        sa.update(Run)
        .where(owned)
        .values(
            status=status,
            failure_reason=reason,
            finished_at=now,
            heartbeat_at=now,
            compute_seconds=Run.compute_seconds + compute_seconds,
        )
        .execution_options(synchronize_session=False)
    )
    if _rows(result) != 1:
        session.rollback()
        return None
    return experiment_id


def _finish(
    session: Session, run: Run, status: RunStatus, reason: str | None, now: datetime
) -> None:
    run.status = status
    run.failure_reason = reason
    run.finished_at = now
    run.heartbeat_at = now
    session.flush()


def end_run(
    *,
    session: Session,
    run_id: str,
    task_id: str,
    status: RunStatus,
    reason: str | None,
    compute_seconds: float = 0.0,
) -> bool:
    """Fail or cancel a run this task owns, with the reason (commits)."""
    if status not in (RunStatus.failed, RunStatus.cancelled):
        raise ValueError(f"end_run takes failed or cancelled, not {status.value}")
    owned = _owned(run_id, task_id)
    experiment_id = _settle(
        session, run_id, owned, status=status, reason=reason, compute_seconds=compute_seconds
    )
    if experiment_id is None:
        return False
    refresh_experiment_status(session=session, experiment_id=experiment_id)
    session.commit()
    return True


def release_for_retry(
    *, session: Session, run_id: str, task_id: str, new_task_id: str, reason: str
) -> TaskPhase | None:
    """After an error, hand the run to a fresh delivery `new_task_id`; returns its phase.

    A training run goes back to queued (it resumes from its checkpoint), an evaluating run stays
    evaluating. The reason is kept so that giving up later can say what went wrong. Commits.
    """
    run = session.get(Run, run_id, populate_existing=True)
    if run is None or run.task_id != task_id or run.status not in ACTIVE_RUN_STATUSES:
        session.rollback()
        return None
    phase = TaskPhase.train if run.status == RunStatus.running else TaskPhase.evaluate
    now = utcnow()
    values: dict[str, Any] = {
        "task_id": new_task_id,
        "failure_reason": reason,
        "enqueued_at": now,
        "heartbeat_at": now,
    }
    if phase == TaskPhase.train:
        values["status"] = RunStatus.queued
    result = session.execute(
        sa.update(Run)
        .where(_owned(run_id, task_id, run.status))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return phase if _rows(result) == 1 else None


# ---- sweeper side -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepCandidate:
    """A run the sweeper may have to send again, as it was when read."""

    run_id: str
    status: RunStatus
    task_id: str | None
    stale: bool  # True: owned by a worker that stopped beating; False: waiting for a worker


def sweep_candidates(*, session: Session, stale_before: datetime) -> list[SweepCandidate]:
    """Runs that may have lost their delivery.

    Owned runs (running, or evaluating with a worker) whose heartbeat is older than
    `stale_before`; and waiting runs (queued, or evaluating not yet claimed) sent, or created,
    before `stale_before`. The sweeper checks the latter against the broker's queues.
    """
    beat_stale = sa.or_(Run.heartbeat_at.is_(None), Run.heartbeat_at < stale_before)
    owned = sa.or_(
        Run.status == RunStatus.running,
        sa.and_(Run.status == RunStatus.evaluating, Run.worker.is_not(None)),
    )
    waiting = sa.or_(
        Run.status == RunStatus.queued,
        sa.and_(Run.status == RunStatus.evaluating, Run.worker.is_(None)),
    )
    sent_before = sa.func.coalesce(Run.enqueued_at, Run.created_at) < stale_before
    rows = session.execute(
        sa.select(Run.id, Run.status, Run.task_id, owned).where(
            sa.or_(sa.and_(owned, beat_stale), sa.and_(waiting, sent_before))
        )
    ).all()
    session.rollback()
    return [SweepCandidate(r, RunStatus(s), t, bool(o)) for r, s, t, o in rows]


def reassign_task(
    *, session: Session, candidate: SweepCandidate, new_task_id: str, stale_before: datetime
) -> TaskPhase | None:
    """Give a lost run a new task id if it is still as the sweeper saw it; returns the phase.

    A stale running run goes back to queued (training resumes from its checkpoint); an
    evaluating run stays evaluating and is sent to evaluation again. Commits.
    """
    cond = [Run.id == candidate.run_id, Run.status == candidate.status]
    if candidate.task_id is None:
        cond.append(Run.task_id.is_(None))
    else:
        cond.append(Run.task_id == candidate.task_id)
    if candidate.stale:
        cond.append(sa.or_(Run.heartbeat_at.is_(None), Run.heartbeat_at < stale_before))
    values: dict[str, Any] = {"task_id": new_task_id, "enqueued_at": utcnow()}
    if candidate.status == RunStatus.evaluating:
        phase = TaskPhase.evaluate
    else:
        phase = TaskPhase.train
        values["status"] = RunStatus.queued
    result = session.execute(
        sa.update(Run).where(*cond).values(**values).execution_options(synchronize_session=False)
    )
    session.commit()
    return phase if _rows(result) == 1 else None
