"""Data access for the API: experiment grids, listings, progress, curve rows, CSV rows, delete.

Every function is keyword-only and leaves the transaction to the caller unless its docstring
says it commits. `spec` is the normalised experiment specification built by the API:
``{"name", "dataset", "model_types", "betas", "seeds", "label_fractions" (None for shapes),
"metrics", "metric_keys", "training"}`` with every list already expanded.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, insert, select
from sqlalchemy.orm import Session, selectinload

from persistence.models import (
    TERMINAL_RUN_STATUSES,
    Artifact,
    Experiment,
    ExperimentStatus,
    MetricResult,
    Run,
    RunStatus,
    new_id,
    utcnow,
)
from persistence.storage import remove_experiment_artifacts

# Share of a run's work spent training (the rest is evaluation), for progress.
TRAIN_SHARE = 0.9
# Epochs a run is assumed to need when the config has no max_epochs and no run has finished.
DEFAULT_EXPECTED_EPOCHS = 50
_LF_TOLERANCE = 1e-9


class ExperimentBusyError(Exception):
    """The experiment still has runs that are queued or in progress."""


@dataclass(frozen=True)
class Progress:
    """Counts by run state, fraction of work done (0..1) and estimated seconds left."""

    counts: dict[str, int]
    progress: float
    eta_seconds: float | None


def grid_size(spec: Mapping[str, Any]) -> int:
    """Number of runs the grid of `spec` expands to."""
    fractions = spec.get("label_fractions") or [None]
    return len(spec["model_types"]) * len(spec["betas"]) * len(spec["seeds"]) * len(fractions)


def expand_grid(spec: Mapping[str, Any]) -> list[tuple[str, float, int, float | None]]:
    """Grid cells (model_type, beta, seed, label_fraction) in grid_index order."""
    fractions = spec.get("label_fractions") or [None]
    return list(itertools.product(spec["model_types"], spec["betas"], spec["seeds"], fractions))


def create_experiment(*, session: Session, spec: Mapping[str, Any]) -> tuple[Experiment, list[str]]:
    """Insert the experiment and one queued run per grid cell; returns it and the run ids."""
    experiment = Experiment(
        id=new_id(),
        name=spec["name"],
        dataset=spec["dataset"],
        spec=dict(spec),
        status=ExperimentStatus.queued,
        run_count=grid_size(spec),
    )
    session.add(experiment)
    session.flush()
    now = utcnow()
    rows = [
        {
            "id": new_id(),
            "experiment_id": experiment.id,
            "grid_index": index,
            "model_type": model_type,
            "beta": float(beta),
            "seed": int(seed),
            "label_fraction": None if fraction is None else float(fraction),
            "status": RunStatus.queued,
            "attempts": 0,
            "epochs_done": 0,
            "compute_seconds": 0.0,
            "created_at": now,
        }
        for index, (model_type, beta, seed, fraction) in enumerate(expand_grid(spec))
    ]
    session.execute(insert(Run.__table__), rows)
    return experiment, [row["id"] for row in rows]


def list_experiments(
    *, session: Session, status: ExperimentStatus | None = None, skip: int = 0, limit: int = 100
) -> tuple[list[Experiment], int]:
    """One page of experiments, newest first, and the total matching `status`."""
    where = [] if status is None else [Experiment.status == status]
    total = session.scalar(select(func.count()).select_from(Experiment).where(*where)) or 0
    page = session.scalars(
        select(Experiment)
        .where(*where)
        .order_by(Experiment.created_at.desc(), Experiment.id)
        .offset(skip)
        .limit(limit)
    ).all()
    return list(page), total


def get_experiment(*, session: Session, experiment_id: str) -> Experiment | None:
    return session.get(Experiment, experiment_id)


def run_counts(*, session: Session, experiment_id: str) -> dict[str, int]:
    """Number of runs in each state (every state present, zeros included)."""
    counts = {status.value: 0 for status in RunStatus}
    rows = session.execute(
        select(Run.status, func.count())
        .where(Run.experiment_id == experiment_id)
        .group_by(Run.status)
    )
    for status, count in rows:
        counts[RunStatus(status).value] = count
    return counts


def experiment_progress(*, session: Session, experiment: Experiment) -> Progress:
    """Progress and ETA derived from the runs.

    A terminal run counts 1; an evaluating run TRAIN_SHARE; a running run
    TRAIN_SHARE * min(1, epochs_done / expected) where expected is the training config's
    max_epochs, else the mean epochs of completed runs, else DEFAULT_EXPECTED_EPOCHS; queued 0.
    ETA = mean compute_seconds of completed runs x remaining run-equivalents / runs in progress
    (at least 1); None until one run has completed, 0 when nothing is left.
    """
    counts = run_counts(session=session, experiment_id=experiment.id)
    total = sum(counts.values())
    if total == 0:
        return Progress(counts=counts, progress=1.0, eta_seconds=0.0)
    completed = and_(Run.experiment_id == experiment.id, Run.status == RunStatus.completed)
    mean_epochs, mean_seconds = session.execute(
        select(func.avg(Run.epochs_done), func.avg(Run.compute_seconds)).where(completed)
    ).one()
    expected = (experiment.spec.get("training") or {}).get("max_epochs")
    if not expected:
        expected = float(mean_epochs) if mean_epochs else DEFAULT_EXPECTED_EPOCHS
    running_epochs = session.scalars(
        select(Run.epochs_done).where(
            Run.experiment_id == experiment.id, Run.status == RunStatus.running
        )
    ).all()
    done = sum(counts[s.value] for s in TERMINAL_RUN_STATUSES)
    done += TRAIN_SHARE * counts[RunStatus.evaluating.value]
    done += sum(TRAIN_SHARE * min(1.0, epochs / expected) for epochs in running_epochs)
    progress = min(1.0, done / total)
    remaining = total - done
    if remaining <= 0:
        eta: float | None = 0.0
    elif mean_seconds:
        active = max(1, counts[RunStatus.running.value] + counts[RunStatus.evaluating.value])
        eta = float(mean_seconds) * remaining / active
    else:
        eta = None
    return Progress(counts=counts, progress=progress, eta_seconds=eta)


def list_runs(
    *,
    session: Session,
    experiment_id: str,
    status: RunStatus | None = None,
    skip: int = 0,
    limit: int = 100,
) -> tuple[list[Run], int]:
    """One page of an experiment's runs in grid order, and the total matching `status`."""
    where = [Run.experiment_id == experiment_id]
    if status is not None:
        where.append(Run.status == status)
    total = session.scalar(select(func.count()).select_from(Run).where(*where)) or 0
    page = session.scalars(
        select(Run).where(*where).order_by(Run.grid_index).offset(skip).limit(limit)
    ).all()
    return list(page), total


def get_run(*, session: Session, run_id: str) -> Run | None:
    """A run with its experiment, epoch history and metrics loaded."""
    return session.scalars(
        select(Run)
        .where(Run.id == run_id)
        .options(selectinload(Run.epochs), selectinload(Run.metrics), selectinload(Run.experiment))
    ).one_or_none()


def artifact_kinds(*, session: Session, run_id: str) -> list[str]:
    """The kinds of pictures stored for a run."""
    stmt = select(Artifact.kind).where(Artifact.run_id == run_id).order_by(Artifact.kind)
    return list(session.scalars(stmt))


def get_artifact(*, session: Session, run_id: str, kind: str) -> Artifact | None:
    return session.scalars(
        select(Artifact).where(Artifact.run_id == run_id, Artifact.kind == kind)
    ).one_or_none()


def _curve_filters(
    experiment_id: str, key: str, model_type: str | None, label_fraction: float | None
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        MetricResult.experiment_id == experiment_id,
        MetricResult.key == key,
    ]
    if model_type is not None:
        where.append(Run.model_type == model_type)
    if label_fraction is not None:
        where.append(
            Run.label_fraction.between(
                label_fraction - _LF_TOLERANCE, label_fraction + _LF_TOLERANCE
            )
        )
    return where


def curve_rows(
    *,
    session: Session,
    experiment_id: str,
    key: str,
    model_type: str | None = None,
    label_fraction: float | None = None,
) -> list[dict[str, Any]]:
    """Completed runs' values of result `key` (one indexed join), as rows for `aggregate.curve`."""
    where = _curve_filters(experiment_id, key, model_type, label_fraction)
    where.append(Run.status == RunStatus.completed)
    stmt = (
        select(Run.model_type, Run.beta, Run.seed, Run.label_fraction, MetricResult.value)
        .select_from(MetricResult)
        .join(Run, Run.id == MetricResult.run_id)
        .where(*where)
    )
    return [
        {
            "model_type": model_type_,
            "beta": beta,
            "seed": seed,
            "label_fraction": fraction,
            "value": value,
            "status": RunStatus.completed.value,
        }
        for model_type_, beta, seed, fraction, value in session.execute(stmt)
    ]


def curve_stamp(*, session: Session, experiment_id: str, key: str) -> tuple[Any, ...]:
    """A cheap fingerprint of everything a curve depends on, for caching its result."""
    completed = (
        select(func.count())
        .select_from(Run)
        .where(Run.experiment_id == experiment_id, Run.status == RunStatus.completed)
        .scalar_subquery()
    )
    row = session.execute(
        select(
            func.count(MetricResult.id),
            func.max(MetricResult.id),
            func.sum(MetricResult.value),
            completed,
        ).where(MetricResult.experiment_id == experiment_id, MetricResult.key == key)
    ).one()
    return tuple(row)


CSV_COLUMNS = (
    "run_id",
    "model_type",
    "beta",
    "seed",
    "label_fraction",
    "status",
    "metric",
    "value",
)


def csv_rows(*, session: Session, experiment_id: str) -> list[tuple[Any, ...]]:
    """One row per run and metric (runs without metrics get one row with empty metric/value)."""
    stmt = (
        select(
            Run.id,
            Run.model_type,
            Run.beta,
            Run.seed,
            Run.label_fraction,
            Run.status,
            MetricResult.key,
            MetricResult.value,
        )
        .select_from(Run)
        .outerjoin(MetricResult, MetricResult.run_id == Run.id)
        .where(Run.experiment_id == experiment_id)
        .order_by(Run.grid_index, MetricResult.key)
    )
    return [
        (rid, mt, beta, seed, lf, RunStatus(status).value, key, value)
        for rid, mt, beta, seed, lf, status, key, value in session.execute(stmt)
    ]


def delete_experiment(*, session: Session, experiment_id: str, artifact_root: Path) -> bool:
    """Delete a finished or cancelled experiment, commit, then remove its files.

    Returns False when it does not exist; raises ExperimentBusyError while any run is not
    terminal (queued, running or evaluating).
    """
    if session.get(Experiment, experiment_id) is None:
        return False
    busy = session.scalar(
        select(func.count())
        .select_from(Run)
        .where(
            Run.experiment_id == experiment_id,
            Run.status.not_in([s.value for s in TERMINAL_RUN_STATUSES]),
        )
    )
    if busy:
        raise ExperimentBusyError(f"{busy} run(s) are still queued or in progress")
    session.execute(delete(Experiment).where(Experiment.id == experiment_id))
    session.commit()
    remove_experiment_artifacts(artifact_root, experiment_id)
    return True
