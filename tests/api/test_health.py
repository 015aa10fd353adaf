"""Liveness and readiness probes against the real database and broker."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from api.main import create_app


def test_healthz_answers_ok(anonymous):
    assert anonymous.get("/healthz").json() == {"status": "ok"}


def test_readyz_is_ready_with_database_and_broker(anonymous):
    response = anonymous.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "broker": "ok"}


def test_readyz_is_503_quickly_when_the_broker_is_unreachable(settings):
    down = settings.model_copy(update={"broker_url": "redis://127.0.0.1:1/0"})
    with TestClient(create_app(down)) as client:
        start = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - start
    assert response.status_code == 503
    assert response.json()["broker"] == "unreachable" and response.json()["database"] == "ok"
    assert elapsed < 3


def test_readyz_is_503_when_the_database_is_unreachable(settings):
    down = settings.model_copy(
        update={"database_url": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    )
    with TestClient(create_app(down)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["database"] == "unreachable"
