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
from persistence.models import TaskPhase
from persistence.settings import Settings, get_settings
from persistence.storage import run_checkpoint_dir
from vae_core.checkpoint import BEST_NAME
from vae_core.evaluate import SAMPLE_SIZES, evaluate_run
from vae_core.fused import train_fused
from vae_core.models import model_config_for
from vae_core.train import TrainResult, load_checkpoint_model, train
from worker.bundles import BundleKey
from worker.celery_app import EVAL_TASK, TRAIN_TASK
from worker.delivery import Delivery, Member, on_run, settle_training
from worker.inputs import dataset_for, train_indices_for, worker_device
from worker.progress import RunCallback

logger = logging.getLogger(__name__)


def _configure_threads(settings: Settings) -> None:
    if settings.torch_threads > 0:
        torch.set_num_threads(settings.torch_threads)


def _worker_name(request: Any) -> str:
    return f"{request.hostname or 'worker'}:{os.getpid()}"


# ---- training ---------------------------------------------------------------------------------


def train_runs(run_ids: Sequence[str], *, task_id: str, worker: str, settings: Settings) -> None:
    """Claim the runs, train each group of them, then settle every run on its own.

    A group shares experiment, model type and label fraction: one run trains on its own model
    (`vae_core.train.train`, which may compile), two or more as one fused program
    (`vae_core.fused.train_fused`), with the same results. Objectives other than β-VAE do not
    fuse: each of their runs is a group of its own. Every run beats its own heartbeat,
    reports its own epochs and is settled on its own; if a program breaks, every run retries.
    """
    with Delivery(
        settings, run_ids, task_id=task_id, worker=worker, phase=TaskPhase.train, stage="training"
    ) as delivery:
        groups: dict[BundleKey, list[Member]] = {}
        for run, experiment in delivery.members:
            fusable = experiment.experiment_spec.training.objective == "beta_vae"
            key = (run.experiment_id if fusable else run.id, run.model_type, run.label_fraction)
            groups.setdefault(key, []).append((run, experiment))
        trained = [_train_group(group, task_id, settings, delivery) for group in groups.values()]
    if not delivery.ok:
        return
    for run_id, result, callback, spent in (row for group in trained for row in group):
        settle_training(settings, run_id, task_id, result, callback, spent)


def _train_group(
    members: list[Member], task_id: str, settings: Settings, delivery: Delivery
) -> list[tuple[str, TrainResult, RunCallback, float]]:
    """Train one group of claimed runs; each run's result, callback and share of the time."""
    if len(members) > 1:
        logger.info("training %d run(s) fused: %s", len(members), [r.id for r, _ in members])
    url = settings.database_url_effective
    experiment = members[0][1]
    callbacks = [RunCallback(database_url=url, run_id=r.id, task_id=task_id) for r, _ in members]
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
    return [
        (run.id, result, callback, delivery.spent)
        for (run, _), result, callback in zip(members, results, callbacks, strict=True)
    ]


# ---- evaluation -------------------------------------------------------------------------------


def evaluate_one(run_id: str, *, task_id: str, worker: str, settings: Settings) -> None:
    """Score the run's best checkpoint with the experiment's metrics and store the pictures."""
    with Delivery(
        settings,
        [run_id],
        task_id=task_id,
        worker=worker,
        phase=TaskPhase.evaluate,
        stage="evaluation",
    ) as delivery:
        if not delivery.members:
            return
        t0 = time.perf_counter()
        run, experiment = delivery.members[0]
        spec = experiment.experiment_spec
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
    on_run(
        settings,
        runs.complete_run,
        run_id,
        task_id,
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
    if len(ids) > 1 and settings.fused_bundle_size > 1:  # a bundle: one delivery, trained fused
        train_runs(ids, task_id=self.request.id, worker=worker, settings=settings)
        return
    for run_id in ids:
        train_runs([run_id], task_id=self.request.id, worker=worker, settings=settings)


@shared_task(name=EVAL_TASK, bind=True)
def evaluate_task(self: Any, run_id: str) -> None:
    """Evaluate one trained run."""
    settings = get_settings()
    _configure_threads(settings)
    evaluate_one(
        run_id, task_id=self.request.id, worker=_worker_name(self.request), settings=settings
    )
