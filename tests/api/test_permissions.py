"""Who may do what: owners, scopes, the per-key run quota and the request body cap."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from betalab_client import AuthenticatedClient
from betalab_client.api.experiments import create_experiment, delete_experiment
from betalab_client.models import HTTPError, QuotaError
from betalab_client.models import ShapesExperimentCreate as SdkShapesExperiment
from fastapi.testclient import TestClient

from api.limits import too_large
from api.main import create_app
from api.schemas import EXPERIMENT_CREATE
from api.spec import normalise_spec
from persistence import crud
from persistence.db import session_scope
from persistence.keys import create_api_key
from persistence.models import KeyScope
from persistence.settings import Settings

BODY = {
    "name": "fig1",
    "dataset": "shapes",
    "model_types": ["fc", "conv"],
    "betas": [0.0, 1.0, 4.0],
    "seeds": 2,
    "training": {"preset": "smoke", "max_epochs": 3},
}  # 12 runs


def new_key(settings: Settings, scope: KeyScope, name: str = "other") -> dict[str, str]:
    """The Authorization header of a new key of `scope`."""
    with session_scope(settings.database_url_effective) as session:
        token = create_api_key(session=session, name=name, scope=scope)
    return {"Authorization": f"Bearer {token}"}


def experiment_state(client: TestClient, experiment_id: str) -> tuple[int, str | None]:
    response = client.get(f"/experiments/{experiment_id}")
    return response.status_code, response.json().get("status")


@pytest.fixture
def private(settings: Settings) -> Iterator[TestClient]:
    """A client of an app whose reads need a key too, sending no key of its own."""
    with TestClient(create_app(settings.model_copy(update={"public_read": False}))) as client:
        yield client


def test_another_write_key_can_neither_cancel_nor_delete_the_owners_experiment(client, settings):
    experiment_id = client.post("/experiments", json=BODY).json()["id"]
    other = new_key(settings, KeyScope.write)
    cancel = client.post(f"/experiments/{experiment_id}/cancel", headers=other)
    delete = client.delete(f"/experiments/{experiment_id}", headers=other)
    assert (cancel.status_code, delete.status_code) == (403, 403)
    assert cancel.json() == {
        "detail": f"experiment {experiment_id} belongs to another API key; only that key or "
        "an admin key may cancel it"
    }
    assert delete.json()["detail"].endswith("may delete it")
    assert experiment_state(client, experiment_id) == (200, "queued")
    assert client.post(f"/experiments/{experiment_id}/cancel").status_code == 200  # the owner


def test_an_admin_key_can_cancel_and_delete_anyones_experiment(client, settings):
    experiment_id = client.post("/experiments", json=BODY).json()["id"]
    admin = new_key(settings, KeyScope.admin)
    cancelled = client.post(f"/experiments/{experiment_id}/cancel", headers=admin)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.delete(f"/experiments/{experiment_id}", headers=admin).status_code == 204
    assert experiment_state(client, experiment_id)[0] == 404


def test_an_experiment_without_an_owner_only_an_admin_key_may_cancel_or_delete(client, settings):
    spec = normalise_spec(EXPERIMENT_CREATE.validate_python(BODY), max_runs=100)
    with session_scope(settings.database_url_effective) as session:
        experiment, _ = crud.create_experiment(session=session, spec=spec)  # as before 0003
    refused = client.post(f"/experiments/{experiment.id}/cancel")
    assert refused.status_code == 403
    assert "has no owner" in refused.json()["detail"]
    assert client.delete(f"/experiments/{experiment.id}").status_code == 403
    admin = new_key(settings, KeyScope.admin)
    assert client.post(f"/experiments/{experiment.id}/cancel", headers=admin).status_code == 200
    assert client.delete(f"/experiments/{experiment.id}", headers=admin).status_code == 204


def test_a_read_key_may_get_but_not_create_cancel_or_delete(private, client, settings):
    experiment_id = client.post("/experiments", json=BODY).json()["id"]
    read = new_key(settings, KeyScope.read)
    created = private.post("/experiments", json=BODY, headers=read)
    assert created.status_code == 403
    assert created.json() == {
        "detail": "this API key has scope 'read'; POST /experiments needs scope 'write' or 'admin'"
    }
    cancel = private.post(f"/experiments/{experiment_id}/cancel", headers=read)
    delete = private.delete(f"/experiments/{experiment_id}", headers=read)
    assert (cancel.status_code, delete.status_code) == (403, 403)
    assert "needs scope 'write'" in delete.json()["detail"]
    assert private.get("/experiments").status_code == 401  # reads need a key here...
    listing = private.get("/experiments", headers=read)  # ...and a read key is one
    assert listing.status_code == 200 and listing.json()["count"] == 1
    assert private.get(f"/experiments/{experiment_id}", headers=read).json()["status"] == "queued"


def test_the_quota_refuses_with_the_numbers_and_counts_only_unfinished_runs(client, settings):
    client.app.state.settings = settings.model_copy(update={"max_active_runs_per_key": 20})
    first = client.post("/experiments", json=BODY).json()["id"]
    refused = client.post("/experiments", json=BODY)
    assert refused.status_code == 429
    assert refused.json() == {
        "detail": "this key has 12 runs queued or in progress; 12 more would pass its limit of "
        "20 (max_active_runs_per_key)",
        "active": 12,
        "requested": 12,
        "limit": 20,
    }
    assert client.get("/experiments").json()["count"] == 1
    other = new_key(settings, KeyScope.write)
    assert client.post("/experiments", json=BODY, headers=other).status_code == 201  # per key
    client.post(f"/experiments/{first}/cancel")  # cancelled runs no longer count
    assert client.post("/experiments", json=BODY).status_code == 201


def test_a_body_over_the_cap_gets_413_and_nothing_is_done(settings, api_key):
    capped = settings.model_copy(update={"max_request_bytes": 1000})
    with TestClient(create_app(capped)) as client:
        client.headers["Authorization"] = f"Bearer {api_key}"
        headers = {"Content-Type": "application/json"}
        padded = (json.dumps(BODY) + " " * 1000).encode()  # valid JSON, 1000 bytes too many
        declared = client.post("/experiments", content=padded, headers=headers)
        streamed = client.post("/experiments", content=iter([padded]), headers=headers)
        assert "content-length" not in streamed.request.headers  # counted, not declared
        assert (declared.status_code, streamed.status_code) == (413, 413)
        expected = {"detail": too_large(1000)}
        assert declared.json() == expected and streamed.json() == expected
        assert expected["detail"] == (
            "the request body is larger than 1000 bytes (max_request_bytes)"
        )
        assert client.get("/experiments").json()["count"] == 0
        experiment_id = client.post("/experiments", json=BODY).json()["id"]  # under the cap
        # A route that never reads its body is refused before it runs.
        cancel = client.post(f"/experiments/{experiment_id}/cancel", content=b" " * 1001)
        assert cancel.status_code == 413
        assert experiment_state(client, experiment_id) == (200, "queued")


def test_the_sdk_parses_the_documented_403_and_429_bodies(client, settings):
    client.app.state.settings = settings.model_copy(update={"max_active_runs_per_key": 1})
    owner = AuthenticatedClient(base_url=str(client.base_url), token="").set_httpx_client(client)
    refused = create_experiment.sync(client=owner, body=SdkShapesExperiment.from_dict(BODY))
    assert isinstance(refused, QuotaError)
    assert (refused.active, refused.requested, refused.limit) == (0, 12, 1)
    with TestClient(client.app, headers=new_key(settings, KeyScope.read)) as reader:
        sdk = AuthenticatedClient(base_url=str(reader.base_url), token="").set_httpx_client(reader)
        forbidden = delete_experiment.sync("0" * 32, client=sdk)
    assert isinstance(forbidden, HTTPError) and "scope 'read'" in forbidden.detail
