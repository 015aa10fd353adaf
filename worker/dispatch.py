"""What the API calls to start and stop work: send task ids through the broker, record them.

The API reaches the worker side through this module only (an import-linter contract says so).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from persistence.db import session_scope
from persistence.models import TaskPhase
from persistence.runs import mark_enqueued
from persistence.settings import Settings
from worker.bundles import bundles_for
from worker.celery_app import (
    EVAL_QUEUE,
    EVAL_TASK,
    TRAIN_QUEUE,
    TRAIN_TASK,
    broker_url,
    get_celery,
    redis_client,
)

logger = logging.getLogger(__name__)

_PHASES = {TaskPhase.train: (TRAIN_TASK, TRAIN_QUEUE), TaskPhase.evaluate: (EVAL_TASK, EVAL_QUEUE)}
# Messages per pipelined broker write (one Redis command each, no queue expiry configured).
SEND_BATCH = 500


def broker_reachable(settings: Settings, *, timeout_s: float = 1.0) -> bool:
    """Whether the configured broker answers a PING within `timeout_s`."""
    try:
        client = redis_client(broker_url(settings), timeout_s=timeout_s)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def new_task_id() -> str:
    return uuid.uuid4().hex


def _batch(producer: Any, size: int) -> AbstractContextManager[Any]:
    """The producer's publish batch (kombu >= 5.7), else publish message by message."""
    batch = getattr(producer, "batch", None)
    return batch(max_size=size) if batch is not None else nullcontext()


def send(items: Sequence[tuple[str | list[str], str, TaskPhase]], *, settings: Settings) -> int:
    """Publish (run id or bundle of run ids, task id, phase) triples; returns how many reached
    the broker.

    All messages go over one producer (one broker connection) and, where kombu supports it
    (Redis, kombu >= 5.7), in pipelined batches of `SEND_BATCH` instead of one round trip each.
    A broker outage is logged, not raised: the runs are already queued in the database and the
    sweeper sends them again.
    """
    app = get_celery(settings)
    sent = 0
    try:
        with app.producer_or_acquire() as producer:
            declared: set[str] = set()
            for start in range(0, len(items), SEND_BATCH):
                chunk = items[start : start + SEND_BATCH]
                with _batch(producer, len(chunk)):
                    for run_id, task_id, phase in chunk:
                        name, queue = _PHASES[phase]
                        app.send_task(
                            name,
                            args=[run_id],
                            task_id=task_id,
                            queue=queue,
                            producer=producer,
                            # Celery declares the queue (None) on its first message only.
                            declare=[] if queue in declared else None,
                        )
                        declared.add(queue)
                sent += len(chunk)  # the batch is flushed (or was sent message by message)
    except Exception as exc:  # any broker error leaves the DB in charge
        logger.warning(
            "broker unavailable, %d task(s) left to the sweeper: %s", len(items) - sent, exc
        )
    return sent


def enqueue_runs(run_ids: Sequence[str], *, settings: Settings) -> None:
    """Record a task id for each queued run (committed first), then send the train tasks.

    With `fused_bundle_size` > 1, runs of one experiment and model type share one task (a
    bundle, trained fused) and its task id; each run keeps its own row and status.
    """
    run_ids = list(run_ids)
    if not run_ids:
        return
    bundles = bundles_for(run_ids, settings=settings)
    bundle_ids = [new_task_id() for _ in bundles]
    with session_scope(settings.database_url_effective) as session:
        mark_enqueued(
            session=session,
            run_ids=[r for b in bundles for r in b],
            task_ids=[t for b, t in zip(bundles, bundle_ids, strict=True) for _ in b],
        )
    items = [
        (b[0] if len(b) == 1 else b, t, TaskPhase.train)
        for b, t in zip(bundles, bundle_ids, strict=True)
    ]
    send(items, settings=settings)


def revoke_tasks(task_ids: Sequence[str], *, settings: Settings) -> None:
    """Tell workers to drop these queued tasks (never terminates a running one)."""
    task_ids = [t for t in task_ids if t]
    if not task_ids:
        return
    try:
        get_celery(settings).control.revoke(task_ids)
    except Exception as exc:  # the DB status already stops them on start
        logger.warning("could not broadcast revoke of %d task(s): %s", len(task_ids), exc)
