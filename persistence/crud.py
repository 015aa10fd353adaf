"""Data access for the API: experiment grids, the run quota, listings, progress, curve rows, CSV
rows, delete.

Every function is keyword-only and leaves the transaction to the caller unless its docstring
says it commits. An experiment's spec is a `vae_core.config.ExperimentSpec` (built by the API,
stored as its `to_dict()`, read back as `Experiment.experiment_spec`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, case, delete, func, insert, select
from sqlalchemy.orm import Session, aliased, selectinload

from persistence.models import (
    TERMINAL_RUN_STATUSES,
    ApiKey,
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
from vae_core.spec import ExperimentSpec

# Share of a run's work spent training (the rest is evaluation), for progress.
TRAIN_SHARE = 0.9
# Epochs a run is assumed to need when the config has no max_epochs and no run has finished.
DEFAULT_EXPECTED_EPOCHS = 50
_LF_TOLERANCE = 1e-9
_RUNS = cast(Table, Run.__table__)  # Core table: bulk insert without ORM bookkeeping


class ExperimentBusyError(Exception):
    """The experiment still has runs that are queued or in progress."""


class RunQuotaError(Exception):
    """A new experiment would take its key past the runs it may have queued or in progress."""

    def __init__(self, *, active: int, requested: int, limit: int) -> None:
        super().__init__(
            f"this key has {active} runs queued or in progress; {requested} more would pass its "
            f"limit of {limit} (max_active_runs_per_key)"
        )
        self.active = active
        self.requested = requested
        self.limit = limit


@dataclass(frozen=True)
class Progress:
    """Counts by run state, fraction of work done (0..1) and estimated seconds left."""

    counts: dict[str, int]
    progress: float
    eta_seconds: float | None


def check_run_quota(*, session: Session, owner_key_id: int, requested: int, limit: int) -> None:
    """Raise RunQuotaError when the key's unfinished runs plus `requested` would pass `limit`.

    Unfinished: queued, running or evaluating, over all of the key's experiments. The key's row
    is locked first (FOR UPDATE on PostgreSQL; SQLite has no row locks) so that concurrent
    creates by one key count each other's runs; the caller's commit or rollback releases it.
    """
    session.execute(select(ApiKey.id).where(ApiKey.id == owner_key_id).with_for_update())
    unfinished = (
        select(func.count())
        .select_from(Run)
        .join(Experiment, Experiment.id == Run.experiment_id)
        .where(
            Experiment.owner_key_id == owner_key_id,
            Run.status.not_in([s.value for s in TERMINAL_RUN_STATUSES]),
        )
    )
    active = session.scalar(unfinished) or 0
    if active + requested > limit:
        raise RunQuotaError(active=active, requested=requested, limit=limit)


def create_experiment(
    *, session: Session, spec: ExperimentSpec, owner_key_id: int | None = None
) -> tuple[Experiment, list[str]]:
    """Insert the experiment, owned by `owner_key_id`, and one queued run per grid cell; returns
    it and the run ids."""
    experiment = Experiment(
        id=new_id(),
        name=spec.name,
        dataset=spec.dataset,
        spec=spec.to_dict(),
        status=ExperimentStatus.queued,
        owner_key_id=owner_key_id,
        run_count=spec.run_count,
    )
    session.add(experiment)
    session.flush()
    now = utcnow()
    cells = spec.cells()
    run_ids = [new_id() for _ in cells]
    rows = [
        {
            "id": run_id,
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
        for index, (run_id, (model_type, beta, seed, fraction)) in enumerate(
            zip(run_ids, cells, strict=True)
        )
    ]
    session.execute(insert(_RUNS), rows)  # one executemany (insertmanyvalues) statement
    return experiment, run_ids


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


@dataclass
class _RunTally:
    """One experiment's runs summed up by state, as `experiments_progress` reads them."""

    counts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in RunStatus})
    completed_epochs: float = 0.0  # summed over completed runs
    completed_seconds: float = 0.0  # summed over completed runs
    running_epochs: list[tuple[int, int]] = field(default_factory=list)  # (epochs_done, runs)


def progress_from_tally(tally: _RunTally, max_epochs: int | None) -> Progress:
    """Progress and ETA of one experiment from its run tally (pure; rules in
    `experiment_progress`)."""
    counts = tally.counts
    total = sum(counts.values())
    if total == 0:
        return Progress(counts=counts, progress=1.0, eta_seconds=0.0)
    n_completed = counts[RunStatus.completed.value]
    mean_epochs = tally.completed_epochs / n_completed if n_completed else None
    mean_seconds = tally.completed_seconds / n_completed if n_completed else None
    expected = float(max_epochs or mean_epochs or DEFAULT_EXPECTED_EPOCHS)
    done = float(sum(counts[s.value] for s in TERMINAL_RUN_STATUSES))
    done += TRAIN_SHARE * counts[RunStatus.evaluating.value]
    done += sum(TRAIN_SHARE * min(1.0, epochs / expected) * n for epochs, n in tally.running_epochs)
    progress = min(1.0, done / total)
    remaining = total - done
    eta: float | None
    if remaining <= 0:
        eta = 0.0
    elif mean_seconds:
        active = max(1, counts[RunStatus.running.value] + counts[RunStatus.evaluating.value])
        eta = mean_seconds * remaining / active
    else:
        eta = None
    return Progress(counts=counts, progress=progress, eta_seconds=eta)


def experiments_progress(
    *, session: Session, experiments: Sequence[Experiment]
) -> dict[str, Progress]:
    """Progress and ETA of each experiment (by id), from ONE query grouped by experiment and
    run state (running runs further by epochs done)."""
    tallies = {e.id: _RunTally() for e in experiments}
    if not tallies:
        return {}
    running_epochs = case((Run.status == RunStatus.running, Run.epochs_done)).label(
        "running_epochs"
    )
    # (experiment id, status, epochs if running, runs, sum of epochs, sum of compute seconds)
    rows = session.execute(
        select(
            Run.experiment_id,
            Run.status,
            running_epochs,
            func.count(),
            func.sum(Run.epochs_done),
            func.sum(Run.compute_seconds),
        )
        .where(Run.experiment_id.in_(list(tallies)))
        .group_by(Run.experiment_id, Run.status, running_epochs)
    )
    for experiment_id, status, epochs, n, sum_epochs, sum_seconds in cast(
        Iterable[tuple[str, str, int | None, int, int | None, float | None]], rows
    ):
        tally = tallies[experiment_id]
        state = RunStatus(status)
        tally.counts[state.value] += n
        if state == RunStatus.completed:
            tally.completed_epochs += float(sum_epochs or 0)
            tally.completed_seconds += float(sum_seconds or 0.0)
        elif state == RunStatus.running and epochs is not None:
            tally.running_epochs.append((epochs, n))
    return {
        e.id: progress_from_tally(tallies[e.id], e.experiment_spec.training.max_epochs)
        for e in experiments
    }


def experiment_progress(*, session: Session, experiment: Experiment) -> Progress:
    """Progress and ETA derived from the runs.

    A terminal run counts 1; an evaluating run TRAIN_SHARE; a running run
    TRAIN_SHARE * min(1, epochs_done / expected) where expected is the training config's
    max_epochs, else the mean epochs of completed runs, else DEFAULT_EXPECTED_EPOCHS; queued 0.
    ETA = mean compute_seconds of completed runs x remaining run-equivalents / runs in progress
    (at least 1); None until one run has completed, 0 when nothing is left.
    """
    return experiments_progress(session=session, experiments=[experiment])[experiment.id]


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


def metric_values(*, session: Session, run_ids: Sequence[str]) -> dict[str, dict[str, float]]:
    """Each run's result values by key (runs without results map to {}), in one query."""
    values: dict[str, dict[str, float]] = {run_id: {} for run_id in run_ids}
    if not values:
        return values
    rows = session.execute(
        select(MetricResult.run_id, MetricResult.key, MetricResult.value)
        .where(MetricResult.run_id.in_(list(values)))
        .order_by(MetricResult.run_id, MetricResult.key)
    )
    for run_id, key, value in rows:
        values[run_id][key] = value
    return values


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
    return [
        MetricResult.experiment_id == experiment_id,
        MetricResult.key == key,
        *_run_filters(model_type, label_fraction),
    ]


def _run_filters(model_type: str | None, label_fraction: float | None) -> list[ColumnElement[bool]]:
    """Runs of one model type and of one label fraction (within the stored precision), if given."""
    where: list[ColumnElement[bool]] = []
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


def tradeoff_rows(
    *,
    session: Session,
    experiment_id: str,
    x: str,
    y: str,
    model_type: str | None = None,
    label_fraction: float | None = None,
) -> list[dict[str, Any]]:
    """Completed runs that have both results `x` and `y`, as rows for `tradeoff.tradeoff`: run
    id, model type, label fraction, strength (the run's β), seed and the two values."""
    x_result, y_result = aliased(MetricResult), aliased(MetricResult)
    where = _run_filters(model_type, label_fraction)
    stmt = (
        select(Run.id, Run.model_type, Run.label_fraction, Run.beta, Run.seed)
        .add_columns(x_result.value, y_result.value)
        .join(x_result, (x_result.run_id == Run.id) & (x_result.key == x))
        .join(y_result, (y_result.run_id == Run.id) & (y_result.key == y))
        .where(Run.experiment_id == experiment_id, Run.status == RunStatus.completed, *where)
        .order_by(Run.grid_index)
    )
    names = ("run_id", "model_type", "label_fraction", "strength", "seed", "x", "y")
    return [dict(zip(names, row, strict=True)) for row in session.execute(stmt)]


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
