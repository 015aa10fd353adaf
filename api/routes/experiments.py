"""Experiments: create a grid, list, read progress, cancel, delete.

An experiment belongs to the key that created it. Any key may read it; only its owner or an
admin key may cancel or delete it, and experiments made before owners existed (owner NULL)
only an admin key. Creating one counts against the key's max_active_runs_per_key.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status

from api.deps import (
    CurrentKey,
    ExperimentId,
    ReadAccess,
    SessionDep,
    SettingsDep,
    load_experiment,
)
from api.responses import (
    CONFLICT,
    FORBIDDEN,
    NOT_FOUND,
    OVER_QUOTA,
    PUBLIC_READ,
    TOO_LARGE,
    UNAUTHORIZED,
)
from api.schemas import (
    ExperimentCreate,
    ExperimentCreated,
    ExperimentDetail,
    ExperimentLinks,
    ExperimentPublic,
    ExperimentsPublic,
    RunCounts,
    RunPublic,
    RunsPublic,
    RunSummary,
)
from api.spec import normalise_spec
from persistence import crud
from persistence.models import ApiKey, Experiment, ExperimentStatus, KeyScope, RunStatus
from persistence.runs import cancel_experiment as cancel_runs
from worker.dispatch import enqueue_runs, revoke_tasks

logger = logging.getLogger("betalab.api")

router = APIRouter(prefix="/experiments", tags=["experiments"], responses=UNAUTHORIZED)

Skip = Annotated[int, Query(ge=0, le=10_000_000)]
Limit = Annotated[int, Query(ge=1, le=1000)]


def links(experiment_id: str) -> ExperimentLinks:
    return ExperimentLinks(
        self=f"/experiments/{experiment_id}",
        runs=f"/experiments/{experiment_id}/runs",
        curve=f"/results/{experiment_id}/curve",
        csv=f"/results/{experiment_id}.csv",
    )


def load_managed_experiment(
    session: SessionDep, experiment_id: str, key: ApiKey, action: str
) -> Experiment:
    """The experiment, or 404; 403 unless `key` owns it or is an admin key."""
    experiment = load_experiment(session, experiment_id)
    if key.scope is KeyScope.admin or experiment.owner_key_id == key.id:
        return experiment
    if experiment.owner_key_id is None:
        reason = "has no owner (it was made before keys owned experiments); only an admin key"
    else:
        reason = "belongs to another API key; only that key or an admin key"
    raise HTTPException(
        status.HTTP_403_FORBIDDEN, detail=f"experiment {experiment_id} {reason} may {action} it"
    )


def public(experiment: Experiment, progress: crud.Progress) -> ExperimentPublic:
    """The experiment row with its run counts, progress and ETA."""
    return ExperimentPublic(
        id=experiment.id,
        name=experiment.name,
        dataset=experiment.dataset,
        status=experiment.status,
        run_count=experiment.run_count,
        cancel_requested=experiment.cancel_requested,
        created_at=experiment.created_at,
        updated_at=experiment.updated_at,
        finished_at=experiment.finished_at,
        counts=RunCounts(**progress.counts),
        progress=progress.progress,
        eta_seconds=progress.eta_seconds,
    )


def detail(session: SessionDep, experiment: Experiment) -> ExperimentDetail:
    progress = crud.experiment_progress(session=session, experiment=experiment)
    return ExperimentDetail(
        **public(experiment, progress).model_dump(),
        spec=experiment.spec,
        links=links(experiment.id),
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ExperimentCreated,
    responses={**FORBIDDEN, **TOO_LARGE, **OVER_QUOTA},
)
def create_experiment(
    body: ExperimentCreate,
    session: SessionDep,
    settings: SettingsDep,
    key: CurrentKey,
    response: Response,
) -> ExperimentCreated:
    """Create one queued run per grid cell in one transaction, owned by the key, then enqueue
    them (429 when they would take the key past max_active_runs_per_key)."""
    spec = normalise_spec(body, max_runs=settings.max_runs_per_experiment)
    crud.check_run_quota(
        session=session,
        owner_key_id=key.id,
        requested=spec.run_count,
        limit=settings.max_active_runs_per_key,
    )
    experiment, run_ids = crud.create_experiment(session=session, spec=spec, owner_key_id=key.id)
    session.commit()
    try:
        enqueue_runs(run_ids, settings=settings)
    except Exception:  # the runs are queued in the DB; the sweeper sends them later
        logger.exception("could not enqueue experiment %s; left to the sweeper", experiment.id)
    response.headers["Location"] = f"/experiments/{experiment.id}"
    return ExperimentCreated(id=experiment.id, run_count=len(run_ids), links=links(experiment.id))


@router.get("", response_model=ExperimentsPublic, openapi_extra=PUBLIC_READ)
def list_experiments(
    session: SessionDep,
    access: ReadAccess,
    status: ExperimentStatus | None = None,
    skip: Skip = 0,
    limit: Limit = 100,
) -> ExperimentsPublic:
    """Experiments, newest first, each with its run counts, progress and ETA."""
    page, count = crud.list_experiments(session=session, status=status, skip=skip, limit=limit)
    progress = crud.experiments_progress(session=session, experiments=page)
    return ExperimentsPublic(data=[public(e, progress[e.id]) for e in page], count=count)


@router.get(
    "/{experiment_id}",
    response_model=ExperimentDetail,
    responses=NOT_FOUND,
    openapi_extra=PUBLIC_READ,
)
def get_experiment(
    experiment_id: ExperimentId, session: SessionDep, access: ReadAccess
) -> ExperimentDetail:
    """Status, run counts by state, progress 0..1 and ETA in seconds."""
    return detail(session, load_experiment(session, experiment_id))


@router.post(
    "/{experiment_id}/cancel",
    response_model=ExperimentDetail,
    responses={**FORBIDDEN, **NOT_FOUND, **TOO_LARGE},
)
def cancel_experiment(
    experiment_id: ExperimentId, session: SessionDep, settings: SettingsDep, key: CurrentKey
) -> ExperimentDetail:
    """Cancel queued runs now and ask running ones to stop; finished experiments are unchanged
    (403 unless the key owns the experiment or is an admin key)."""
    load_managed_experiment(session, experiment_id, key, "cancel")
    task_ids = cancel_runs(session=session, experiment_id=experiment_id)
    try:
        revoke_tasks(task_ids, settings=settings)
    except Exception:  # the DB status already keeps the tasks from starting
        logger.exception("could not revoke tasks of experiment %s", experiment_id)
    session.expire_all()
    return detail(session, load_experiment(session, experiment_id))


@router.delete(
    "/{experiment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**FORBIDDEN, **NOT_FOUND, **CONFLICT, **TOO_LARGE},
)
def delete_experiment(
    experiment_id: ExperimentId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    key: CurrentKey,
) -> Response:
    """Delete a finished or cancelled experiment with its runs, results and files (409 if busy;
    403 unless the key owns it or is an admin key)."""
    load_managed_experiment(session, experiment_id, key, "delete")
    try:
        found = crud.delete_experiment(
            session=session,
            experiment_id=experiment_id,
            artifact_root=settings.artifact_root_effective,
        )
    except crud.ExperimentBusyError as exc:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"only finished or cancelled experiments can be deleted: {exc}",
        ) from exc
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="experiment not found")
    request.app.state.result_cache.invalidate(lambda k: k[1] == experiment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{experiment_id}/runs",
    response_model=RunsPublic,
    responses=NOT_FOUND,
    openapi_extra=PUBLIC_READ,
)
def list_experiment_runs(
    experiment_id: ExperimentId,
    session: SessionDep,
    access: ReadAccess,
    status: RunStatus | None = None,
    skip: Skip = 0,
    limit: Limit = 100,
) -> RunsPublic:
    """An experiment's runs in grid order, each with its result values."""
    load_experiment(session, experiment_id)
    page, count = crud.list_runs(
        session=session, experiment_id=experiment_id, status=status, skip=skip, limit=limit
    )
    values = crud.metric_values(session=session, run_ids=[r.id for r in page])
    data = [
        RunSummary(**RunPublic.model_validate(r).model_dump(), metrics=values[r.id]) for r in page
    ]
    return RunsPublic(data=data, count=count)
