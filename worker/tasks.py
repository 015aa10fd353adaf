"""Thin Celery tasks: claim the run row, call vae_core, write the result, commit, send on.

train -> evaluate -> done. Every delivery first claims its run in the database
(`persistence.runs.claim_run`), so a redelivered finished run is a no-op, a redelivered
half-trained run resumes from `latest.pt`, and past `max_attempts` the run fails with the reason.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
import traceback
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import torch
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from persistence import runs
from persistence.db import session_factory
from persistence.models import Experiment, Run, RunStatus
from persistence.settings import Settings, get_settings
from persistence.storage import run_checkpoint_dir
from vae_core.checkpoint import BEST_NAME
from vae_core.evaluate import SAMPLE_SIZES, evaluate_run
from vae_core.fused import train_fused
from vae_core.models import model_config_for
from vae_core.train import (
    TrainResult,
    load_checkpoint_model,
    train,
)
from worker import dispatch
from worker.bundles import BundleKey
from worker.celery_app import EVAL_TASK, TRAIN_TASK
from worker.inputs import dataset_for, train_indices_for, worker_device
from worker.progress import Heartbeat, RunCallback

logger = logging.getLogger(__name__)


def _configure_threads(settings: Settings) -> None:
    if settings.torch_threads > 0:
        torch.set_num_threads(settings.torch_threads)


def _worker_name(request: Any) -> str:
    return f"{request.hostname or 'worker'}:{os.getpid()}"


def _reason(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text if len(text) <= 2000 else text[:2000] + "..."


# ---- training ---------------------------------------------------------------------------------


def _claim(settings: Settings, run_id: str, task_id: str, worker: str, phase: str):
    sessions = session_factory(settings.database_url_effective)
    with sessions() as session:
        claim = runs.claim_run(
            session=session,
            run_id=run_id,
            task_id=task_id,
            worker=worker,
            phase=phase,
            max_attempts=settings.max_attempts,
            stale_after_s=settings.heartbeat_stale_s,
        )
        if claim.run is None:
            logger.info("%s %s skipped: %s", phase, run_id, claim.skipped)
            return None, None
        experiment = session.get(Experiment, claim.run.experiment_id)
        session.expunge_all()
    return claim.run, experiment


def _retry(settings: Settings, run_id: str, task_id: str, exc: BaseException) -> None:
    """Hand the run to a new delivery after an error; the attempt cap bounds the retries."""
    logger.error("run %s failed an attempt:\n%s", run_id, traceback.format_exc())
    new_id = dispatch.new_task_id()
    with session_factory(settings.database_url_effective)() as session:
        phase = runs.release_for_retry(
            session=session, run_id=run_id, task_id=task_id, new_task_id=new_id, reason=_reason(exc)
        )
    if phase is not None:
        dispatch.send([(run_id, new_id, phase)], settings=settings)


def _end(
    settings: Settings, run_id: str, task_id: str, status: RunStatus, reason: str, spent: float
) -> None:
    with session_factory(settings.database_url_effective)() as session:
        runs.end_run(
            session=session,
            run_id=run_id,
            task_id=task_id,
            status=status,
            reason=reason,
            compute_seconds=spent,
        )


def train_one(run_id: str, *, task_id: str, worker: str, settings: Settings) -> None:
    """Train one run (resuming from its checkpoint), then hand it to evaluation."""
    run, experiment = _claim(settings, run_id, task_id, worker, "train")
    if run is not None:
        train_group([(run, experiment)], task_id=task_id, settings=settings)


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
        _end(settings, run_id, task_id, RunStatus.failed, result.reason or "failed", spent)
        return
    if result.status == "cancelled":
        _end(settings, run_id, task_id, RunStatus.cancelled, "cancelled by request", spent)
        return
    eval_id = dispatch.new_task_id()
    history = [vars(h) for h in result.history]
    with session_factory(settings.database_url_effective)() as session:
        handed_over = runs.finish_training(
            session=session,
            run_id=run_id,
            task_id=task_id,
            eval_task_id=eval_id,
            best_epoch=result.best_epoch,
            history=history,
            compute_seconds=spent,
            precision=result.precision,
        )
    if handed_over:
        dispatch.send([(run_id, eval_id, "evaluate")], settings=settings)


def train_bundle(run_ids: Sequence[str], *, task_id: str, worker: str, settings: Settings) -> None:
    """Claim each run of the bundle, train the claimed ones fused, settle each on its own."""
    claimed: list[tuple[Run, Experiment]] = []
    for run_id in run_ids:
        run, experiment = _claim(settings, run_id, task_id, worker, "train")
        if run is not None:
            claimed.append((run, experiment))
    groups: dict[BundleKey, list[tuple[Run, Experiment]]] = {}
    for run, experiment in claimed:
        groups.setdefault((run.experiment_id, run.model_type, run.label_fraction), []).append(
            (run, experiment)
        )
    for members in groups.values():
        logger.info("training %d run(s) fused: %s", len(members), [r.id for r, _ in members])
        train_group(members, task_id=task_id, settings=settings)


def train_group(members: list[tuple[Run, Experiment]], *, task_id: str, settings: Settings) -> None:
    """Train claimed runs that share experiment, model type and label fraction, then settle each.

    One run trains on its own model (`vae_core.train.train`, which may compile); two or more
    train as one fused program (`vae_core.fused.train_fused`), with the same results. Either way
    every run beats its own heartbeat, reports its own epochs and is settled on its own; if the
    program breaks, every run retries on its own.
    """
    url = settings.database_url_effective
    experiment = members[0][1]
    callbacks = [RunCallback(database_url=url, run_id=r.id, task_id=task_id) for r, _ in members]
    spent = 0.0
    try:
        with contextlib.ExitStack() as beats:
            for run, _ in members:
                beats.enter_context(
                    Heartbeat(
                        database_url=url,
                        run_id=run.id,
                        task_id=task_id,
                        interval_s=settings.heartbeat_interval_s,
                    )
                )
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
            spent = (time.perf_counter() - t0 - db_seconds) / len(members)  # an equal share each
    except SoftTimeLimitExceeded:
        reason = f"time limit of {settings.task_soft_time_limit_s} s exceeded"
        for run, _ in members:
            _end(settings, run.id, task_id, RunStatus.failed, reason, spent)
        return
    except Exception as exc:
        for run, _ in members:
            _retry(settings, run.id, task_id, exc)
        return
    for (run, _), result, callback in zip(members, results, callbacks, strict=True):
        settle_training(settings, run.id, task_id, result, callback, spent)


# ---- evaluation -------------------------------------------------------------------------------


def evaluate_one(run_id: str, *, task_id: str, worker: str, settings: Settings) -> None:
    """Score the run's best checkpoint with the experiment's metrics and store the pictures."""
    run, experiment = _claim(settings, run_id, task_id, worker, "evaluate")
    if run is None:
        return
    url = settings.database_url_effective
    spec = experiment.experiment_spec
    try:
        with Heartbeat(
            database_url=url,
            run_id=run_id,
            task_id=task_id,
            interval_s=settings.heartbeat_interval_s,
        ):
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
    except SoftTimeLimitExceeded:
        reason = f"time limit of {settings.task_soft_time_limit_s} s exceeded in evaluation"
        _end(settings, run_id, task_id, RunStatus.failed, reason, 0.0)
        return
    except Exception as exc:
        _retry(settings, run_id, task_id, exc)
        return
    with session_factory(url)() as session:
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
