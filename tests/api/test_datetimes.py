"""Every datetime the API serves carries its zone (UTC), on SQLite as on PostgreSQL (#19)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from persistence.db import session_scope
from persistence.keys import create_api_key
from tests.api.conftest import make_settings
from tests.utils.specs import smoke_body

SPEC = smoke_body("zones")


@pytest.fixture
def backend_client(database_url: str, broker_url: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(database_url, broker_url, tmp_path)
    with session_scope(settings.database_url_effective) as session:
        key = create_api_key(session=session, name="zones")
    with TestClient(create_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {key}"
        yield client


def aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.utcoffset() == timedelta(0), f"{text!r} is not UTC with its offset"
    return moment


def test_experiment_and_run_times_are_utc_with_their_offset(backend_client: TestClient) -> None:
    before = datetime.now(UTC)
    created = backend_client.post("/experiments", json=SPEC)
    assert created.status_code == 201, created.text
    experiment = backend_client.get(f"/experiments/{created.json()['id']}").json()
    made = aware(experiment["created_at"])
    assert abs(made - before) < timedelta(minutes=5)  # UTC, not local time read as UTC
    assert aware(experiment["updated_at"]) >= made
    listed = backend_client.get("/experiments").json()["data"]
    assert [aware(e["created_at"]) for e in listed] == [made]
    runs = backend_client.get(f"/experiments/{experiment['id']}/runs").json()["data"]
    assert len(runs) == 2
    for run in runs:
        assert run["enqueued_at"] is not None and aware(run["enqueued_at"]) >= made - timedelta(1)
        assert run["finished_at"] is None  # null stays null


def test_the_spec_declares_rfc3339_date_times(backend_client: TestClient) -> None:
    schemas = backend_client.get("/openapi.json").json()["components"]["schemas"]
    created = schemas["ExperimentPublic"]["properties"]["created_at"]
    assert created == {"type": "string", "format": "date-time", "title": "Created At"}
