"""Write a finished experiment straight into a migrated database, for UI tests that need results
without waiting for training: runs, epoch history, metric values and real PNG pictures."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from PIL import Image
from sqlalchemy import insert, select, update

from api.schemas import EXPERIMENT_CREATE
from api.spec import normalise_spec
from persistence import crud
from persistence.db import session_scope
from persistence.models import (
    Artifact,
    MetricResult,
    Run,
    RunEpoch,
    RunStatus,
    new_id,
    utcnow,
)
from persistence.runs import refresh_experiment_status

PICTURE_SIZES = {"traversal": (640, 400), "reconstructions": (640, 128), "response": (320, 200)}


@dataclass
class SeededExperiment:
    id: str
    spec: dict
    completed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def png(kind: str, seed: int = 0) -> bytes:
    """A small real PNG (grey-level noise over a gradient) of the size a `kind` picture has."""
    width, height = PICTURE_SIZES[kind]
    rng = np.random.default_rng(seed)
    gradient = np.linspace(0, 255, width, dtype=np.float32)[None, :]  # (1, W)
    pixels = 0.7 * gradient + 0.3 * rng.uniform(0, 255, size=(height, width))  # (H, W)
    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8), mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def metric_value(key: str, beta: float, seed: int, label_fraction: float | None = None) -> float:
    """A made-up but beta-dependent value, so curves have a visible trend (and MNIST probes a
    label-fraction-dependent one, so their series differ)."""
    if label_fraction is not None and key == "svm_accuracy":
        return 0.6 + 0.3 * label_fraction - 0.02 * beta + 0.005 * seed
    if key in ("recon_loss", "total_cost"):
        return 20.0 + 6.0 * beta + 0.5 * seed
    if key == "kl":
        return 30.0 / (1.0 + beta) + 0.2 * seed
    if key == "recon_l2":
        return 0.01 * (1.0 + beta) + 0.001 * seed
    return 0.55 + 0.4 * (1.0 - math.exp(-beta / 4.0)) + 0.015 * seed


def seed_finished_experiment(
    database_url: str,
    *,
    name: str,
    model_types: list[str],
    betas: list[float],
    seeds: list[int],
    fail: set[tuple[str, float, int]] = frozenset(),  # type: ignore[assignment]
    epochs: int = 5,
    pictures: bool = True,
    dataset: str = "shapes",
    label_fractions: list[float] | None = None,
    objective: str = "beta_vae",
) -> SeededExperiment:
    """An experiment whose runs all finished: completed, except the (model type, beta, seed)
    cells in `fail`. MNIST experiments may have several label fractions (a run per fraction)."""
    body = EXPERIMENT_CREATE.validate_python(
        {
            "name": name,
            "dataset": dataset,
            "model_types": model_types,
            "betas": betas,
            "seeds": seeds,
            "training": {"preset": "smoke", "objective": objective},
            **({"label_fractions": label_fractions} if label_fractions else {}),
        }
    )
    spec = normalise_spec(body, max_runs=100_000)
    with session_scope(database_url) as session:
        experiment, _ = crud.create_experiment(session=session, spec=spec)
        seeded = SeededExperiment(id=experiment.id, spec=spec.to_dict())
        runs = session.execute(
            select(Run.id, Run.model_type, Run.beta, Run.seed, Run.label_fraction).where(
                Run.experiment_id == experiment.id
            )
        ).all()
        now = utcnow()
        epoch_rows, metric_rows, picture_rows = [], [], []
        images = {kind: png(kind, i) for i, kind in enumerate(PICTURE_SIZES)}
        for run_id, model_type, beta, seed, fraction in runs:
            failed = (model_type, beta, seed) in fail
            done = 2 if failed else epochs
            for epoch in range(1, done + 1):
                recon = 60.0 / epoch + 10.0 + beta
                kl = 4.0 + 8.0 / (1.0 + beta) + 1.0 / epoch
                epoch_rows.append(
                    {
                        "run_id": run_id,
                        "epoch": epoch,
                        "train_loss": recon + beta * kl,
                        "val_loss": recon * 1.05 + beta * kl,
                        "recon": recon,
                        "kl": kl,
                        "val_recon": recon * 1.05,
                        "val_kl": kl * 1.02,
                        "images_per_s": 5000.0,
                        "seconds": 1.5,
                    }
                )
            values = {
                "status": RunStatus.failed if failed else RunStatus.completed,
                "attempts": 3 if failed else 1,
                "epochs_done": done,
                "best_epoch": None if failed else done,
                "compute_seconds": 1.5 * done,
                "started_at": now - timedelta(seconds=10),
                "finished_at": now,
                "failure_reason": (
                    "training diverged: the loss became NaN at epoch 3 (lr 1e-3)"
                    if failed
                    else None
                ),
            }
            session.execute(update(Run).where(Run.id == run_id).values(**values))
            if failed:
                seeded.failed.append(run_id)
                continue
            seeded.completed.append(run_id)
            for key in spec.metric_keys:
                metric_rows.append(
                    {
                        "run_id": run_id,
                        "experiment_id": experiment.id,
                        "key": key,
                        "value": metric_value(key, beta, seed, fraction),
                    }
                )
            if pictures:
                for kind, data in images.items():
                    picture_rows.append(
                        {"id": new_id(), "run_id": run_id, "kind": kind, "data": data}
                    )
        if epoch_rows:
            session.execute(insert(RunEpoch), epoch_rows)
        if metric_rows:
            session.execute(insert(MetricResult), metric_rows)
        if picture_rows:
            session.execute(insert(Artifact), picture_rows)
        session.flush()
        refresh_experiment_status(session=session, experiment_id=experiment.id)
    return seeded
