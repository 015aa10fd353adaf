"""A task delivery's hold on its runs: the claim, the heartbeats, and the way out.

Every delivery of a train or evaluate task opens a `Delivery` on its run ids. Entering it claims
the runs in the database (`persistence.runs.claim_run`), so a redelivered finished run is a no-op,
a redelivered half-trained run resumes from `latest.pt`, and past `max_attempts` the run fails
with the reason. While the work runs, it beats each claimed run's heartbeat; when the work breaks
it makes the run's transition itself, so no task writes it out:

    with Delivery(settings, run_ids, task_id=..., worker=..., phase=TaskPhase.train,
                  stage="training") as delivery:
        ...the work on delivery.members (none when every run was skipped); set delivery.spent...
    if delivery.ok:
        ...record each result (settle_training, or runs.complete_run)...

Past the soft time limit every run fails with that reason; after any other error every run is
handed to a fresh delivery (`runs.release_for_retry`; the attempt cap bounds the retries).
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, TypeVar

from celery.exceptions import SoftTimeLimitExceeded

from persistence import runs
from persistence.db import session_scope
from persistence.models import Experiment, Run, RunStatus, TaskPhase
from persistence.settings import Settings
from vae_core.run_state import TrainResult
from worker import dispatch
from worker.progress import Heartbeat, RunCallback

logger = logging.getLogger(__name__)

Member = tuple[Run, Experiment]
T = TypeVar("T")


def claim(
    settings: Settings, run_id: str, *, task_id: str, worker: str, phase: TaskPhase
) -> Member | None:
    """This delivery's claim on the run, with its experiment (detached), or None if skipped."""
    with session_scope(settings.database_url_effective) as session:
        claimed = runs.claim_run(
            session=session,
            run_id=run_id,
            task_id=task_id,
            worker=worker,
            phase=phase,
            max_attempts=settings.max_attempts,
            stale_after_s=settings.heartbeat_stale_s,
        )
        if claimed.run is None:
            logger.info("%s %s skipped: %s", phase.value, run_id, claimed.skipped)
            return None
        experiment = session.get(Experiment, claimed.run.experiment_id)
        session.expunge_all()
    assert experiment is not None  # the claim holds the run, whose experiment it locked
    return claimed.run, experiment


def claim_all(
    settings: Settings, run_ids: Sequence[str], *, task_id: str, worker: str, phase: TaskPhase
) -> list[Member]:
    """The runs of `run_ids` this delivery could claim, in order."""
    members = []
    for run_id in run_ids:
        member = claim(settings, run_id, task_id=task_id, worker=worker, phase=phase)
        if member is not None:
            members.append(member)
    return members


def on_run(
    settings: Settings, transition: Callable[..., T], run_id: str, task_id: str, **fields: Any
) -> T:
    """`transition` (a `persistence.runs` function) of the run `task_id` holds, in a session."""
    with session_scope(settings.database_url_effective) as session:
        return transition(session=session, run_id=run_id, task_id=task_id, **fields)


def end_run(
    settings: Settings, run_id: str, task_id: str, status: RunStatus, reason: str, spent: float
) -> None:
    """The terminal transition of a run this delivery owns (failed or cancelled)."""
    on_run(
        settings, runs.end_run, run_id, task_id, status=status, reason=reason, compute_seconds=spent
    )


def _reason(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text if len(text) <= 2000 else text[:2000] + "..."


def retry(settings: Settings, run_id: str, task_id: str, exc: BaseException) -> None:
    """Hand the run to a new delivery after an error; the attempt cap bounds the retries."""
    logger.error("run %s failed an attempt:\n%s", run_id, "".join(traceback.format_exception(exc)))
    new_id = dispatch.new_task_id()
    phase = on_run(
        settings, runs.release_for_retry, run_id, task_id, new_task_id=new_id, reason=_reason(exc)
    )
    if phase is not None:
        dispatch.send([(run_id, new_id, phase)], settings=settings)


class Delivery(contextlib.AbstractContextManager["Delivery"]):
    """One delivery's hold on its runs: the claim, heartbeats while the work runs, the way out.

    Entering claims each of `run_ids` for `phase` in order; `members` are the runs it holds, with
    their experiments (a run another delivery holds, or one already past `phase`, is left out).
    `stage` names the work in a time-limit reason ("training", "evaluation"). The body sets
    `spent` (compute seconds per run) for the record of a failure. After the block `ok` says
    whether the work finished; when it did not, every claimed run has been failed or retried and
    the error is not raised further (BaseExceptions other than Exception still are).
    """

    def __init__(
        self,
        settings: Settings,
        run_ids: Sequence[str],
        *,
        task_id: str,
        worker: str,
        phase: TaskPhase,
        stage: str,
    ) -> None:
        self.settings, self.task_id, self.stage = settings, task_id, stage
        self.run_ids, self.worker, self.phase = list(run_ids), worker, phase
        self.members: list[Member] = []
        self.spent = 0.0
        self.ok = False
        self._beats = contextlib.ExitStack()

    def __enter__(self) -> Delivery:
        self.members = claim_all(
            self.settings, self.run_ids, task_id=self.task_id, worker=self.worker, phase=self.phase
        )
        url = self.settings.database_url_effective
        for run, _ in self.members:
            self._beats.enter_context(
                Heartbeat(
                    database_url=url,
                    run_id=run.id,
                    task_id=self.task_id,
                    interval_s=self.settings.heartbeat_interval_s,
                )
            )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        self._beats.close()  # the heartbeats stop before any transition
        if exc is None:
            self.ok = True
            return False
        if isinstance(exc, SoftTimeLimitExceeded):
            limit = self.settings.task_soft_time_limit_s
            reason = f"time limit of {limit} s exceeded in {self.stage}"
            for run, _ in self.members:
                end_run(self.settings, run.id, self.task_id, RunStatus.failed, reason, self.spent)
            return True
        if isinstance(exc, Exception):  # the work broke: every run retries on its own
            for run, _ in self.members:
                retry(self.settings, run.id, self.task_id, exc)
            return True
        return False


def settle_training(
    settings: Settings,
    run_id: str,
    task_id: str,
    result: TrainResult,
    callback: RunCallback,
    spent: float,
) -> None:
    """Record a finished training call: failed, cancelled, or handed to evaluation."""
    if callback.lost:
        logger.info("run %s is owned by another delivery now; dropping this one", run_id)
        return
    if result.status == "failed":
        end_run(settings, run_id, task_id, RunStatus.failed, result.reason or "failed", spent)
        return
    if result.status == "cancelled":
        end_run(settings, run_id, task_id, RunStatus.cancelled, "cancelled by request", spent)
        return
    eval_id = dispatch.new_task_id()
    handed_over = on_run(
        settings,
        runs.finish_training,
        run_id,
        task_id,
        eval_task_id=eval_id,
        best_epoch=result.best_epoch,
        history=[vars(h) for h in result.history],
        compute_seconds=spent,
        precision=result.precision,
    )
    if handed_over:
        dispatch.send([(run_id, eval_id, TaskPhase.evaluate)], settings=settings)
