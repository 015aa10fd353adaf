"""Results computed from the database on request: curves (JSON and PNG), findings, trade-offs and
a CSV of every value."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status

from api.deps import ExperimentId, ReadAccess, SessionDep, load_experiment
from api.plots import curve_png
from api.responses import NOT_FOUND, PUBLIC_READ, UNAUTHORIZED
from api.schemas import (
    CurvePublic,
    FindingsPublic,
    ModelType,
    ResultKey,
    TradeoffPoint,
    TradeoffPublic,
    TradeoffSeries,
)
from persistence import crud
from persistence.models import Experiment
from vae_core.analysis.aggregate import curve
from vae_core.analysis.findings import ALPHA, METRIC_FOR, findings
from vae_core.analysis.tradeoff import tradeoff
from vae_core.config import STRENGTH_NAMES

router = APIRouter(prefix="/results", tags=["results"], responses={**UNAUTHORIZED, **NOT_FOUND})

Metric = Annotated[
    ResultKey, Query(description="a result key; 404 when the experiment does not compute it")
]
LabelFraction = Annotated[float | None, Query(gt=0, le=1)]


def result_keys(experiment: Experiment) -> list[str]:
    """The result keys the experiment's metric groups yield."""
    return list(experiment.experiment_spec.metric_keys)


def _check_metric(experiment: Experiment, metric: str) -> None:
    keys = result_keys(experiment)
    if metric not in keys:
        raise HTTPException(
            status_code=status.HTTP_404_NOT_FOUND,
            detail=f"this experiment has no result {metric!r}; it computes {keys}",
        )


def _cached(
    request: Request,
    session: SessionDep,
    cache_key: tuple,
    experiment_id: str,
    metrics: tuple[str, ...],
    build: Callable[[Experiment], bytes],
) -> bytes:
    """`build(experiment)`'s bytes, cached until the experiment's values of `metrics` change.

    A cached body confirmed against the database within `result_cache_ttl_s` is served without
    touching the database (a new value shows up at most that late); a missing one is computed by
    one request while concurrent requests for it wait.
    """
    cache = request.app.state.result_cache
    ttl = request.app.state.settings.result_cache_ttl_s
    body = cache.fresh(cache_key, ttl)
    if body is not None:
        return body
    experiment = load_experiment(session, experiment_id)
    for metric in metrics:
        _check_metric(experiment, metric)
    with cache.lock_for(cache_key):
        stamp = tuple(
            crud.curve_stamp(session=session, experiment_id=experiment_id, key=metric)
            for metric in metrics
        )
        body = cache.get(cache_key, stamp)
        if body is not None:
            return body
        body = build(experiment)
        cache.put(cache_key, stamp, body)
    return body


def _curve(
    request: Request,
    session: SessionDep,
    experiment_id: str,
    metric: str,
    model_type: str | None,
    label_fraction: float | None,
    kind: str,
) -> bytes:
    """The curve as JSON or PNG bytes (cached, `_cached`)."""

    def build(experiment: Experiment) -> bytes:
        rows = crud.curve_rows(
            session=session,
            experiment_id=experiment_id,
            key=metric,
            model_type=model_type,
            label_fraction=label_fraction,
        )
        points, trend = curve(rows)
        if kind == "png":
            return curve_png(points, metric=metric, title=f"{experiment.name}: {metric}")
        public = CurvePublic.model_validate(
            {"experiment_id": experiment_id, "metric": metric, "points": points, "trend": trend}
        )
        return public.model_dump_json().encode()

    cache_key = (kind, experiment_id, metric, model_type, label_fraction)
    return _cached(request, session, cache_key, experiment_id, (metric,), build)


@dataclass
class CurveQuery:
    """What a curve is of: the experiment, a result key, optionally one model type or fraction."""

    experiment_id: ExperimentId
    metric: Metric
    model_type: ModelType | None = None
    label_fraction: LabelFraction = None

    def body(self, request: Request, session: SessionDep, kind: str) -> bytes:
        return _curve(
            request,
            session,
            self.experiment_id,
            self.metric.value,
            self.model_type,
            self.label_fraction,
            kind,
        )


CurveDep = Annotated[CurveQuery, Depends()]


@router.get("/{experiment_id}/curve", response_model=CurvePublic, openapi_extra=PUBLIC_READ)
def get_curve(
    query: CurveDep, request: Request, session: SessionDep, access: ReadAccess
) -> Response:
    """Mean, std, bootstrap 95% CI and raw values per beta over completed runs, with trends."""
    return Response(content=query.body(request, session, "json"), media_type="application/json")


@router.get(
    "/{experiment_id}/curve.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "PNG image"}},
    openapi_extra=PUBLIC_READ,
)
def get_curve_image(
    query: CurveDep, request: Request, session: SessionDep, access: ReadAccess
) -> Response:
    """The curve drawn one panel per model type, error bars one standard deviation."""
    return Response(content=query.body(request, session, "png"), media_type="image/png")


XKey = Annotated[
    ResultKey, Query(description="the x axis, what is paid, e.g. recon_loss (404 if not computed)")
]
YKey = Annotated[
    ResultKey,
    Query(description="the y axis, what is bought, e.g. beta_vae_change_one (404 if not computed)"),
]


@router.get("/{experiment_id}/tradeoff", response_model=TradeoffPublic, openapi_extra=PUBLIC_READ)
def get_tradeoff(
    experiment_id: ExperimentId,
    x: XKey,
    y: YKey,
    request: Request,
    session: SessionDep,
    access: ReadAccess,
    model_type: ModelType | None = None,
    label_fraction: LabelFraction = None,
) -> Response:
    """The cost of disentanglement: result `y` against result `x`, a point per completed run and
    a mean ± std per strength for each (objective, model type, label fraction), in order of
    strength."""

    def build(experiment: Experiment) -> bytes:
        rows = crud.tradeoff_rows(
            session=session,
            experiment_id=experiment_id,
            x=x.value,
            y=y.value,
            model_type=model_type,
            label_fraction=label_fraction,
        )
        objective = experiment.experiment_spec.training.objective
        points, series = tradeoff([{**r, "objective": objective} for r in rows])
        public = TradeoffPublic(
            experiment_id=experiment_id,
            x=x.value,
            y=y.value,
            strength_name=STRENGTH_NAMES[objective],
            points=[TradeoffPoint(**p) for p in points],
            series=[TradeoffSeries.model_validate(s) for s in series],
        )
        return public.model_dump_json().encode()

    cache_key = ("tradeoff", experiment_id, x.value, y.value, model_type, label_fraction)
    body = _cached(request, session, cache_key, experiment_id, (x.value, y.value), build)
    return Response(content=body, media_type="application/json")


@router.get("/{experiment_id}/findings", response_model=FindingsPublic, openapi_extra=PUBLIC_READ)
def get_findings(
    experiment_id: ExperimentId, request: Request, session: SessionDep, access: ReadAccess
) -> Response:
    """The paper's findings (F1-F2 on shapes, F3 on MNIST) tested on the completed runs: each
    `reproduced`, `not reproduced` or `inconclusive` (too few runs), with its numbers."""
    experiment = load_experiment(session, experiment_id)
    spec = experiment.experiment_spec
    dataset = spec.dataset
    metric = METRIC_FOR[dataset]
    if metric not in result_keys(experiment):
        raise HTTPException(
            status_code=status.HTTP_404_NOT_FOUND,
            detail=f"no findings: they are about {metric}, which this experiment does not "
            f"compute (it computes {result_keys(experiment)})",
        )

    def build(experiment: Experiment) -> bytes:
        rows = crud.curve_rows(session=session, experiment_id=experiment_id, key=metric)
        public = FindingsPublic.model_validate(
            {
                "experiment_id": experiment_id,
                "dataset": dataset,
                "metric": metric,
                "alpha": ALPHA,
                "findings": [
                    f.to_dict()
                    for f in findings(
                        rows,
                        dataset,
                        list(spec.model_types),
                        list(spec.label_fractions or []),
                    )
                ],
            }
        )
        return public.model_dump_json().encode()

    cache_key = ("findings", experiment_id, metric)
    body = _cached(request, session, cache_key, experiment_id, (metric,), build)
    return Response(content=body, media_type="application/json")


@router.get(
    "/{experiment_id}.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "CSV, one row per run and metric"}
    },
    openapi_extra=PUBLIC_READ,
)
def get_results_csv(
    experiment_id: ExperimentId, session: SessionDep, access: ReadAccess
) -> Response:
    """Every run and metric value; runs without values get one row with an empty metric."""
    load_experiment(session, experiment_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(crud.CSV_COLUMNS)
    for row in crud.csv_rows(session=session, experiment_id=experiment_id):
        writer.writerow(["" if v is None else v for v in row])
    return Response(
        content=buffer.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{experiment_id}.csv"'},
    )
