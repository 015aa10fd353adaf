"""The Celery tasks: train -> evaluate -> done, each a thin body over vae_core.

What a delivery does around the work (claim its runs, beat their heartbeats, fail or retry them
when the work breaks, hand a trained run to evaluation) is `worker.delivery`; what the work reads
first (dataset, device, labelled subset) is `worker.inputs`.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import torch
from celery import shared_task

from persistence import runs
from persistence.db import session_scope
from persistence.models import TaskPhase
from persistence.settings import Settings, get_settings
from persistence.storage import run_checkpoint_dir
from vae_core.checkpoint import BEST_NAME
from vae_core.evaluate import SAMPLE_SIZES, evaluate_run
from vae_core.fused import train_fused
from vae_core.models import model_config_for
from vae_core.train import load_checkpoint_model, train
from worker.bundles import BundleKey
from worker.celery_app import EVAL_TASK, TRAIN_TASK
from worker.delivery import Delivery, Member, claim, claim_all, settle_training
from worker.inputs import dataset_for, train_indices_for, worker_device
from worker.progress import RunCallback

logger = logging.getLogger(__name__)


def _configure_threads(settings: Settings) -> None:
    if settings.torch_threads > 0:
        torch.set_num_threads(settings.torch_threads)


def _worker_name(request: Any) -> str:
    return f"{request.hostname or 'worker'}:{os.getpid()}"


# ---- training ---------------------------------------------------------------------------------


def train_one(run_id: str, *, task_id: str, worker: str, settings: Settings) -> None:
    """Train one run (resuming from its checkpoint), then hand it to evaluation."""
    member = claim(settings, run_id, task_id=task_id, worker=worker, phase=TaskPhase.train)
    if member is not None:
        train_group([member], task_id=task_id, settings=settings)


def train_bundle(run_ids: Sequence[str], *, task_id: str, worker: str, settings: Settings) -> None:
    """Claim each run of the bundle, train the claimed ones fused, settle each on its own."""
    claimed = claim_all(settings, run_ids, task_id=task_id, worker=worker, phase=TaskPhase.train)
    groups: dict[BundleKey, list[Member]] = {}
    for run, experiment in claimed:
        groups.setdefault((run.experiment_id, run.model_type, run.label_fraction), []).append(
            (run, experiment)
        )
    for members in groups.values():
        logger.info("training %d run(s) fused: %s", len(members), [r.id for r, _ in members])
        train_group(members, task_id=task_id, settings=settings)


def train_group(members: list[Member], *, task_id: str, settings: Settings) -> None:
    """Train claimed runs that share experiment, model type and label fraction, then settle each.

    One run trains on its own model (`vae_core.train.train`, which may compile); two or more
    train as one fused program (`vae_core.fused.train_fused`), with the same results. Either way
    every run beats its own heartbeat, reports its own epochs and is settled on its own; if the
    program breaks, every run retries on its own.
    """
    url = settings.database_url_effective
    experiment = members[0][1]
    callbacks = [RunCallback(database_url=url, run_id=r.id, task_id=task_id) for r, _ in members]
    with Delivery(settings, members, task_id=task_id, stage="training") as delivery:
        t0 = time.perf_counter()
        data = dataset_for(experiment.dataset, settings)
        model_config = model_config_for(experiment.dataset, members[0][0].model_type)
        config = replace(experiment.experiment_spec.training, device=worker_device())
        dirs = [
            run_checkpoint_dir(settings.artifact_root_effective, r.experiment_id, r.id)
            for r, _ in members
        ]
        if len(members) == 1:
            run = members[0][0]
            results = [
                train(
                    model_config=model_config,
                    train_config=config,
                    data=data,
                    beta=run.beta,
                    seed=run.seed,
                    checkpoint_dir=dirs[0],
                    callback=callbacks[0],
                    train_indices=train_indices_for(run, data),
                )
            ]
        else:
            results = train_fused(
                model_config=model_config,
                train_config=config,
                data=data,
                betas=[r.beta for r, _ in members],
                seeds=[r.seed for r, _ in members],
                checkpoint_dirs=dirs,
                callbacks=callbacks,
                train_indices=[train_indices_for(r, data) for r, _ in members],
            )
        db_seconds = sum(c.db_seconds for c in callbacks)
        delivery.spent = (time.perf_counter() - t0 - db_seconds) / len(members)  # an equal share
    if not delivery.ok:
        return
    for (run, _), result, callback in zip(members, results, callbacks, strict=True):
        settle_training(settings, run.id, task_id, result, callback, delivery.spent)


# ---- evaluation -------------------------------------------------------------------------------


def evaluate_one(run_id: str, *, task_id: str, worker: str, settings: Settings) -> None:
    """Score the run's best checkpoint with the experiment's metrics and store the pictures."""
    member = claim(settings, run_id, task_id=task_id, worker=worker, phase=TaskPhase.evaluate)
    if member is None:
        return
    run, experiment = member
    spec = experiment.experiment_spec
    with Delivery(settings, [member], task_id=task_id, stage="evaluation") as delivery:
        t0 = time.perf_counter()
        data = dataset_for(experiment.dataset, settings)
        device = worker_device()
        checkpoint = (
            run_checkpoint_dir(settings.artifact_root_effective, run.experiment_id, run_id)
            / BEST_NAME
        )
        result = evaluate_run(
            model=load_checkpoint_model(checkpoint, device=device),
            data=data,
            metrics=list(spec.metrics),
            seed=run.seed,
            train_indices=train_indices_for(run, data),
            device=device,
            sizes=SAMPLE_SIZES[spec.evaluation],
            beta=run.beta,
        )
        spent = time.perf_counter() - t0
    if not delivery.ok:
        return
    with session_scope(settings.database_url_effective) as session:
        runs.complete_run(
            session=session,
            run_id=run_id,
            task_id=task_id,
            values=result.values,
            images=result.images,
            compute_seconds=spent,
        )


# ---- Celery entry points ----------------------------------------------------------------------


@shared_task(name=TRAIN_TASK, bind=True)
def train_task(self: Any, run_ids: str | list[str]) -> None:
    """Train one run id, or a bundle of run ids: fused when `fused_bundle_size` > 1."""
    settings = get_settings()
    _configure_threads(settings)
    ids = [run_ids] if isinstance(run_ids, str) else list(run_ids)
    worker = _worker_name(self.request)
    if len(ids) > 1 and settings.fused_bundle_size > 1:
        train_bundle(ids, task_id=self.request.id, worker=worker, settings=settings)
        return
    for run_id in ids:
        train_one(run_id, task_id=self.request.id, worker=worker, settings=settings)


@shared_task(name=EVAL_TASK, bind=True)
def evaluate_task(self: Any, run_id: str) -> None:
    """Evaluate one trained run."""
    settings = get_settings()
    _configure_threads(settings)
    evaluate_one(
        run_id, task_id=self.request.id, worker=_worker_name(self.request), settings=settings
    )
