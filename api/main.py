"""FastAPI app factory: routers, error handlers, settings and the session factory on app.state."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from api.cache import ResultCache
from api.limits import BodySizeLimit
from api.routes import catalog, dashboard, experiments, health, results, runs
from api.schemas import DATASET_TAGS, UNION_FIELDS, UNION_TAGS, QuotaError
from persistence.crud import RunQuotaError
from persistence.db import get_engine, session_factory
from persistence.settings import Settings, get_settings

logger = logging.getLogger("betalab.api")

_BODY_PARSE_ERROR = "There was an error parsing the body"


def operation_id(route: APIRoute) -> str:
    """Stable operation ids: the route's function name (the SDK groups operations by tag)."""
    return route.name


def _public_loc(loc: Any) -> list[Any]:
    """The error location without pydantic's union tags: body.betas.stop, not
    body.betas.range.stop, and body.metrics, not body.shapes.metrics (a tag only says which
    shape was sent; see api.schemas)."""
    out: list[Any] = []
    for part in loc:
        if out and out[-1] in UNION_FIELDS and part in UNION_TAGS:
            continue
        if out == ["body"] and part in DATASET_TAGS:
            continue
        out.append(part)
    return out


# The experiment body is chosen by its dataset; when that is missing or unknown, say so there.
_DATASET_ERRORS = {
    "union_tag_not_found": "dataset is required: 'shapes' or 'mnist'",
    "union_tag_invalid": "dataset must be 'shapes' or 'mnist'",
}


def _public_error(error: dict) -> dict[str, Any]:
    kind = str(error.get("type"))
    loc = _public_loc(error.get("loc", ()))
    if kind in _DATASET_ERRORS and loc == ["body"]:
        return {"loc": ["body", "dataset"], "msg": _DATASET_ERRORS[kind], "type": kind}
    return {"loc": loc, "msg": str(error.get("msg", "")), "type": kind}


def _validation_response(errors: list[dict]) -> JSONResponse:
    detail = [_public_error(e) for e in errors]
    return JSONResponse(status_code=422, content={"detail": detail})


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return _validation_response(list(exc.errors()))


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (Starlette names only the first route's):
    each method is tried against the app's routes as if the client had sent it."""
    allowed = []
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return ", ".join(allowed)


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        return JSONResponse(
            status_code=405,
            content={"detail": exc.detail},
            headers={"Allow": _allowed_methods(request)},
        )
    if exc.status_code == 400 and exc.detail == _BODY_PARSE_ERROR:
        # FastAPI answers 400 for bodies json cannot even decode (bad UTF-8, deep nesting).
        return _validation_response(
            [{"loc": ["body"], "msg": "the body is not valid JSON", "type": "json_invalid"}]
        )
    return JSONResponse(
        status_code=exc.status_code,
        content={"detail": exc.detail},
        headers=getattr(exc, "headers", None),
    )


async def _on_quota_exceeded(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RunQuotaError)
    body = QuotaError(detail=str(exc), active=exc.active, requested=exc.requested, limit=exc.limit)
    return JSONResponse(status_code=429, content=body.model_dump())


async def _on_unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(status_code=500, content={"detail": "internal server error"})


def create_app(settings: Settings | None = None) -> FastAPI:
    """The betalab service; `settings` defaults to the process-wide BETALAB_* settings."""
    settings = settings or get_settings()
    app = FastAPI(
        title="betalab",
        version="0.1.0",
        summary="Train beta-VAE grids, score them, and serve the curves.",
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings
    app.state.sessionmaker = session_factory(settings.database_url_effective)
    app.state.engine = get_engine(settings.database_url_effective)  # API-key checks
    app.state.result_cache = ResultCache(maxsize=256)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(HTTPException, _on_http_error)
    app.add_exception_handler(RunQuotaError, _on_quota_exceeded)
    app.add_exception_handler(Exception, _on_unexpected_error)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    for module in (experiments, runs, results, catalog, health, dashboard):
        app.include_router(module.router)
    return app
