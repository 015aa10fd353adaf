"""Liveness and readiness probes (public: they reveal no data)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from sqlalchemy import text

from api.deps import SessionDep, SettingsDep
from api.schemas import Health, Readiness
from worker.dispatch import broker_reachable

router = APIRouter(tags=["health"])

BROKER_TIMEOUT_S = 1.0


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(session: SessionDep, settings: SettingsDep, response: Response) -> Readiness:
    """The database and the broker are reachable (503 otherwise)."""
    try:
        session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:
        database = "unreachable"
    broker = "ok" if broker_reachable(settings, timeout_s=BROKER_TIMEOUT_S) else "unreachable"
    ready = database == "ok" and broker == "ok"
    if not ready:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return Readiness(status="ready" if ready else "unavailable", database=database, broker=broker)
