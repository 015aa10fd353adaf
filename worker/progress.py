"""Progress from a running task into the database: epoch rows, heartbeats, cancel checks."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict

import sqlalchemy as sa

from persistence import runs
from persistence.db import session_factory
from persistence.models import Experiment, Run, RunStatus

logger = logging.getLogger(__name__)


class RunCallback:
    """vae_core TrainCallback: stores each epoch, and stops on cancel or lost ownership."""

    def __init__(
        self, *, database_url: str, run_id: str, task_id: str, check_interval_s: float = 1.0
    ) -> None:
        self._sessions = session_factory(database_url)
        self.run_id = run_id
        self.task_id = task_id
        self.check_interval_s = check_interval_s
        self._last_check = 0.0
        self.cancelled = False
        self.lost = False
        self.db_seconds = 0.0  # time spent here, to subtract from the compute time

    def on_epoch(self, stats) -> None:  # type: ignore[no-untyped-def]
        """Write the epoch row and beat; a lost run stops at the next step."""
        t0 = time.perf_counter()
        values = asdict(stats)
        epoch = values.pop("epoch")
        with self._sessions() as session:
            owner = runs.record_epoch(
                session=session, run_id=self.run_id, task_id=self.task_id, epoch=epoch, stats=values
            )
        if not owner:
            self.lost = True
        # Check again at the first step of the next epoch, whatever the throttle says, so a
        # cancelled run never trains more than one epoch past the request.
        self._last_check = float("-inf")
        self.db_seconds += time.perf_counter() - t0

    def should_stop(self) -> bool:
        """True once cancellation is requested or another delivery owns the run (throttled)."""
        if self.cancelled or self.lost:
            return True
        now = time.monotonic()
        if now - self._last_check < self.check_interval_s:
            return False
        t0 = time.perf_counter()
        self._last_check = now
        with self._sessions() as session:
            row = session.execute(
                sa.select(Experiment.cancel_requested, Run.task_id, Run.status)
                .join(Run, Run.experiment_id == Experiment.id)
                .where(Run.id == self.run_id)
            ).one_or_none()
        if row is None:
            self.lost = True
        else:
            cancel_requested, task_id, status = row
            self.cancelled = bool(cancel_requested)
            self.lost = task_id != self.task_id or RunStatus(status) != RunStatus.running
        self.db_seconds += time.perf_counter() - t0
        return self.cancelled or self.lost


class Heartbeat:
    """A daemon thread that marks the run alive every `interval_s` while a task works on it."""

    def __init__(self, *, database_url: str, run_id: str, task_id: str, interval_s: float) -> None:
        self._sessions = session_factory(database_url)
        self.run_id = run_id
        self.task_id = task_id
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{run_id}", daemon=True)

    def _beat(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                with self._sessions() as session:
                    runs.heartbeat(session=session, run_id=self.run_id, task_id=self.task_id)
            except Exception as exc:  # a DB blip must not kill the task; the next beat retries
                logger.warning("heartbeat for run %s failed: %s", self.run_id, exc)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
