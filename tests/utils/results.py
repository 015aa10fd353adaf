"""Test helpers that write finished runs the way a worker would, without training."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from persistence.models import Artifact, MetricResult, Run, RunEpoch, RunStatus, utcnow


def finish_runs(
    session: Session,
    experiment_id: str,
    value: Callable[[Run, str], float] = lambda run, key: 1.0,
    keys: Sequence[str] = (),
    *,
    where: Callable[[Run], bool] = lambda run: True,
    first: int | None = None,
    status: RunStatus = RunStatus.completed,
    compute_seconds: float = 10.0,
    epochs: int = 3,
) -> list[Run]:
    """Mark the runs `where` picks (and, with `first`, only the first in grid order) `status`;
    completed ones get `epochs` epochs and a value per key."""
    runs = [
        run
        for run in session.scalars(
            select(Run).where(Run.experiment_id == experiment_id).order_by(Run.grid_index)
        )
        if where(run) and (first is None or run.grid_index < first)
    ]
    for run in runs:
        run.status = status
        run.attempts = 1
        run.finished_at = utcnow()
        run.compute_seconds = compute_seconds
        run.epochs_done = epochs
        if status is RunStatus.failed:
            run.failure_reason = "NaN cost at epoch 2"
        if status is not RunStatus.completed:
            continue
        for epoch in range(1, epochs + 1):
            session.add(
                RunEpoch(
                    run_id=run.id,
                    epoch=epoch,
                    train_loss=100.0 / epoch,
                    val_loss=110.0 / epoch,
                    recon=90.0 / epoch,
                    kl=10.0,
                    val_recon=95.0 / epoch,
                    val_kl=10.0,
                    images_per_s=1000.0,
                    seconds=1.5,
                )
            )
        for key in keys:
            session.add(
                MetricResult(
                    run_id=run.id, experiment_id=experiment_id, key=key, value=value(run, key)
                )
            )
    session.flush()
    return runs


def add_artifact(session: Session, run_id: str, kind: str, data: bytes) -> None:
    session.add(Artifact(run_id=run_id, kind=kind, content_type="image/png", data=data))
    session.flush()
