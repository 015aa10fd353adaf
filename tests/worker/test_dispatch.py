"""Dispatch over a real Redis broker and PostgreSQL: every run sent once, in pipelined batches."""

from __future__ import annotations

import json
from base64 import b64decode

import sqlalchemy as sa

from persistence import crud
from persistence.db import session_scope
from persistence.models import Run
from persistence.settings import Settings
from vae_core.spec import ExperimentSpec
from worker import dispatch
from worker.celery_app import TRAIN_QUEUE, TRAIN_TASK, redis_client


def test_enqueue_runs_records_and_sends_one_celery_message_per_run_across_batches(
    worker_settings: Settings,
) -> None:
    spec = {
        "name": "many",
        "dataset": "shapes",
        "model_types": ["fc", "conv"],
        "betas": [float(b) for b in range(300)],  # 600 runs: more than one SEND_BATCH
        "seeds": [0],
        "label_fractions": None,
        "metrics": ["mig"],
        "metric_keys": ["mig"],
        "training": {"preset": "smoke"},
    }
    typed = ExperimentSpec.from_dict(spec)
    assert typed.run_count > dispatch.SEND_BATCH
    with session_scope(worker_settings.database_url_effective) as session:
        _, run_ids = crud.create_experiment(session=session, spec=typed)
    dispatch.enqueue_runs(run_ids, settings=worker_settings)
    with session_scope(worker_settings.database_url_effective) as session:
        recorded = dict(session.execute(sa.select(Run.task_id, Run.id)).all())
    client = redis_client(worker_settings.broker_url)
    messages = [json.loads(raw) for raw in client.lrange(TRAIN_QUEUE, 0, -1)]
    assert len(messages) == len(run_ids) == len(recorded)
    for message in messages:  # Celery protocol 2: headers name the task, body holds the args
        assert message["headers"]["task"] == TRAIN_TASK
        assert message["properties"]["delivery_info"]["routing_key"] == TRAIN_QUEUE
    sent = {m["headers"]["id"]: json.loads(b64decode(m["body"]))[0] for m in messages}
    assert sent == {task_id: [run_id] for task_id, run_id in recorded.items()}


def test_send_to_a_dead_broker_reports_nothing_sent_and_does_not_raise(
    worker_settings: Settings,
) -> None:
    dead = worker_settings.model_copy(update={"broker_url": "redis://127.0.0.1:1/0"})
    assert dispatch.send([("r1", "t1", "train"), ("r2", "t2", "evaluate")], settings=dead) == 0
