"""Re-send runs whose delivery was lost: dead workers (stale heartbeat), messages the broker lost.

The database says what should be happening; the sweeper makes the broker agree. It is safe to run
anywhere and often (API start, worker start, every `sweep_interval_s`): every resend goes through a
conditional UPDATE, and a duplicate delivery is a no-op at claim time.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

import redis

from persistence import runs
from persistence.db import session_scope
from persistence.models import TaskPhase, utcnow
from persistence.settings import Settings
from worker import dispatch
from worker.celery_app import EVAL_QUEUE, TRAIN_QUEUE, broker_url, redis_client

logger = logging.getLogger(__name__)

_PRIORITY_SEP = "\x06\x16"  # kombu's Redis key separator for priority sub-queues
_PRIORITY_STEPS = (3, 6, 9)


@dataclass
class SweepReport:
    """What one sweep did: run ids re-sent because their worker died or the broker lost them."""

    stale: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    broker_ok: bool = True


def _task_id(raw: bytes) -> str | None:
    try:
        return json.loads(raw)["headers"]["id"]
    except (ValueError, KeyError, TypeError):
        return None


def broker_task_ids(url: str, fresh_after: float) -> set[str]:
    """Task ids waiting in the train/eval queues, or taken by a worker since `fresh_after`."""
    client = redis_client(url)
    try:
        keys = [
            q + suffix
            for q in (TRAIN_QUEUE, EVAL_QUEUE)
            for suffix in ("", *(f"{_PRIORITY_SEP}{p}" for p in _PRIORITY_STEPS))
        ]
        pipe = client.pipeline(transaction=False)
        for key in keys:
            pipe.lrange(key, 0, -1)
        ids = {tid for items in pipe.execute() for raw in items if (tid := _task_id(raw))}
        fresh_tags = client.zrangebyscore("unacked_index", fresh_after, "+inf")
        if fresh_tags:
            for raw in client.hmget("unacked", list(fresh_tags)):  # type: ignore[arg-type]
                if raw:
                    message = json.loads(raw)[0]
                    ids.add(message.get("headers", {}).get("id"))
        return ids
    finally:
        client.close()


def sweep(settings: Settings) -> SweepReport:
    """One pass: re-send every run whose owner stopped beating or whose message is gone."""
    report = SweepReport()
    now = utcnow()
    stale_before = now - timedelta(seconds=settings.heartbeat_stale_s)
    to_send: list[tuple[str | list[str], str, TaskPhase]] = []
    # an engine of its own: the supervisor that sweeps forks workers
    with session_scope(settings.database_url_effective, private_engine=True) as session:
        candidates = runs.sweep_candidates(session=session, stale_before=stale_before)
        if not candidates:
            return report
        try:
            present = broker_task_ids(
                broker_url(settings), fresh_after=time.time() - settings.heartbeat_stale_s
            )
        except redis.RedisError as exc:
            logger.warning("sweep: broker unreachable, nothing re-sent: %s", exc)
            report.broker_ok = False
            return report
        for cand in candidates:
            if cand.task_id is not None and cand.task_id in present:
                continue  # its message is still there; a worker will claim it
            new_id = dispatch.new_task_id()
            phase = runs.reassign_task(
                session=session, candidate=cand, new_task_id=new_id, stale_before=stale_before
            )
            if phase is None:
                continue
            to_send.append((cand.run_id, new_id, phase))
            (report.stale if cand.stale else report.lost).append(cand.run_id)
    if to_send:
        logger.info(
            "sweep: re-sending %d stale and %d lost run(s)", len(report.stale), len(report.lost)
        )
        dispatch.send(to_send, settings=settings)
    return report


class PeriodicSweeper:
    """A daemon thread calling `sweep` every `settings.sweep_interval_s` (first pass at once)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="betalab-sweeper", daemon=True)

    def _loop(self) -> None:
        while True:
            try:
                sweep(self.settings)
            except Exception as exc:  # a DB or broker outage: try again next interval
                logger.warning("sweep failed: %s", exc)
            if self._stop.wait(self.settings.sweep_interval_s):
                return

    def start(self) -> PeriodicSweeper:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
