"""The Celery app, built from shared settings: the broker carries run ids, the DB holds state."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import redis
from celery import Celery
from kombu import Exchange, Queue

from persistence.settings import Settings, get_settings

TRAIN_QUEUE = "train"
EVAL_QUEUE = "eval"
TRAIN_TASK = "betalab.train"
EVAL_TASK = "betalab.evaluate"


def broker_url(settings: Settings) -> str:
    """The configured broker, or the embedded one's unix socket under the data dir."""
    if settings.broker_url:
        return settings.broker_url
    from worker.embedded import broker_socket_path

    return f"redis+socket://{broker_socket_path(settings)}"


def redis_client(url: str, *, timeout_s: float = 5.0) -> redis.Redis:
    """A redis-py client for a kombu broker URL (redis:// or redis+socket://)."""
    parsed = urlparse(url)
    if parsed.scheme in ("redis+socket", "socket", "unix"):
        query = parse_qs(parsed.query)
        db = int((query.get("virtual_host") or query.get("db") or ["0"])[0] or 0)
        return redis.Redis(
            unix_socket_path=parsed.path,
            db=db,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
        )
    return redis.Redis.from_url(
        url.replace("redis+", ""), socket_timeout=timeout_s, socket_connect_timeout=timeout_s
    )


def make_celery(settings: Settings) -> Celery:
    """A Celery app configured for long, resumable, exactly-once-in-effect training tasks."""
    app = Celery(
        "betalab", broker=broker_url(settings), include=["worker.tasks", "worker.lifecycle"]
    )
    # Redelivery of unacked messages only after the hard limit, so a live task is never duplicated
    # by the broker (celery#5935); dead workers are caught sooner by the heartbeat sweeper.
    visibility = {"visibility_timeout": settings.task_hard_time_limit_s + 600}
    exchange = Exchange("betalab", type="direct")
    app.conf.update(
        # Explicit queues: training and evaluation can get separate worker pools.
        task_queues=(
            Queue(TRAIN_QUEUE, exchange, routing_key=TRAIN_QUEUE),
            Queue(EVAL_QUEUE, exchange, routing_key=EVAL_QUEUE),
        ),
        task_default_queue=TRAIN_QUEUE,
        task_default_exchange="betalab",
        task_default_routing_key=TRAIN_QUEUE,
        task_routes={
            TRAIN_TASK: {"queue": TRAIN_QUEUE, "routing_key": TRAIN_QUEUE},
            EVAL_TASK: {"queue": EVAL_QUEUE, "routing_key": EVAL_QUEUE},
        },
        # A typo in a queue name must fail loudly instead of silently creating a dead queue.
        task_create_missing_queues=False,
        # Ack after the task body: a worker that dies mid-run leaves the message for redelivery.
        task_acks_late=True,
        # A killed pool process (OOM, kill -9) requeues its message instead of acking it.
        task_reject_on_worker_lost=True,
        # Reserve one task at a time: runs last minutes to hours, prefetching starves other hosts.
        worker_prefetch_multiplier=1,
        # A fresh process per task releases GPU memory and any leaked state between runs.
        worker_max_tasks_per_child=1,
        # Soft limit raises SoftTimeLimitExceeded in the task so it can record the failure.
        task_soft_time_limit=settings.task_soft_time_limit_s,
        # Hard limit kills a task that ignored the soft limit.
        task_time_limit=settings.task_hard_time_limit_s,
        # Above the hard limit: see `visibility`.
        broker_transport_options=visibility,
        # Same for the (unused) result backend, should one be configured later.
        result_backend_transport_options=visibility,
        # On broker loss, stop running tasks: their messages come back and the DB says where to
        # resume, instead of two copies running after reconnection.
        worker_cancel_long_running_tasks_on_connection_loss=True,
        # Results live in the database; no result backend is needed.
        task_ignore_result=True,
        # Keep retrying the broker at worker start (embedded broker may still be booting).
        broker_connection_retry_on_startup=True,
        # JSON only: messages carry ids, never pickles.
        task_serializer="json",
        accept_content=["json"],
        # Tasks can be inspected / revoked by id across hosts.
        worker_send_task_events=False,
        # A publish to a dead broker gives up quickly; the sweeper re-sends from the DB later.
        task_publish_retry_policy={
            "max_retries": 2,
            "interval_start": 0.2,
            "interval_step": 0.5,
            "interval_max": 1.0,
        },
        # Fail fast on publish when the broker is unreachable (same reason).
        broker_connection_timeout=3.0,
        # Workers log to stderr; don't hijack the root logger of embedding processes.
        worker_hijack_root_logger=False,
    )
    return app


_APPS: dict[str, Celery] = {}


def get_celery(settings: Settings) -> Celery:
    """One app per broker URL per process (dispatch reuses its connection pool)."""
    url = broker_url(settings)
    if url not in _APPS:
        _APPS[url] = make_celery(settings)
    return _APPS[url]


def __getattr__(name: str) -> Any:
    """`celery_app` (and `app` for `celery -A worker.celery_app`), created on first use."""
    if name in ("celery_app", "app"):
        return get_celery(get_settings())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
