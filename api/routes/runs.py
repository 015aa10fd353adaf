"""Runs: detail and the pictures evaluation stored for them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Response, status

from api.deps import ReadAccess, SessionDep
from api.responses import NOT_FOUND, PUBLIC_READ, UNAUTHORIZED
from api.schemas import RunDetail, RunEpochPublic, RunPublic
from persistence import crud

router = APIRouter(prefix="/runs", tags=["runs"], responses={**UNAUTHORIZED, **NOT_FOUND})

RunId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="run id")]
PNG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}}, "description": "PNG image"}
}


@router.get("/{run_id}", response_model=RunDetail, openapi_extra=PUBLIC_READ)
def get_run(run_id: RunId, session: SessionDep, access: ReadAccess) -> RunDetail:
    """A run's configuration, status, attempts, epoch history, metrics and failure reason."""
    run = crud.get_run(session=session, run_id=run_id)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="run not found")
    spec = run.experiment.experiment_spec
    config = {
        "dataset": run.experiment.dataset,
        "model_type": run.model_type,
        "beta": run.beta,
        "seed": run.seed,
        "label_fraction": run.label_fraction,
        "metrics": list(spec.metrics),
        "training": spec.training.to_dict(),
    }
    kinds = crud.artifact_kinds(session=session, run_id=run_id)
    return RunDetail(
        **RunPublic.model_validate(run).model_dump(),
        dataset=run.experiment.dataset,
        config=config,
        epochs=[RunEpochPublic.model_validate(e) for e in run.epochs],
        metrics={m.key: m.value for m in sorted(run.metrics, key=lambda m: m.key)},
        images={kind: f"/runs/{run_id}/{kind}.png" for kind in kinds},
    )


def _image(session: SessionDep, run_id: str, kind: str) -> Response:
    artifact = crud.get_artifact(session=session, run_id=run_id, kind=kind)
    if artifact is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no {kind} image for this run")
    return Response(content=artifact.data, media_type=artifact.content_type)


@router.get(
    "/{run_id}/traversal.png", response_class=Response, responses=PNG, openapi_extra=PUBLIC_READ
)
def get_traversal_image(run_id: RunId, session: SessionDep, access: ReadAccess) -> Response:
    """Latent traversals of the run's best model."""
    return _image(session, run_id, "traversal")


@router.get(
    "/{run_id}/reconstructions.png",
    response_class=Response,
    responses=PNG,
    openapi_extra=PUBLIC_READ,
)
def get_reconstructions_image(run_id: RunId, session: SessionDep, access: ReadAccess) -> Response:
    """Test images next to their reconstructions."""
    return _image(session, run_id, "reconstructions")


@router.get(
    "/{run_id}/response.png", response_class=Response, responses=PNG, openapi_extra=PUBLIC_READ
)
def get_response_image(run_id: RunId, session: SessionDep, access: ReadAccess) -> Response:
    """Latent responses to each generative factor (shapes only)."""
    return _image(session, run_id, "response")
