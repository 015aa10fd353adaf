"""Keys guard every write route, and read routes unless public read is on."""

from __future__ import annotations

import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from api.deps import SessionDep, require_key, require_read
from api.main import create_app
from persistence.db import session_scope
from persistence.keys import revoke_api_key, verify_api_key
from persistence.settings import Settings

# Probes reveal nothing; the dashboard routes serve static HTML/JS shells that call the API.
PUBLIC_PATHS = {"/healthz", "/readyz", "/catalog"}  # they reveal no data
PUBLIC_TAGS = {"dashboard"}


def dependency_calls(dependant) -> set:
    calls = set()
    for sub in dependant.dependencies:
        calls.add(sub.call)
        calls |= dependency_calls(sub)
    return calls


def api_routes():
    app = create_app(Settings(database_url="sqlite:///:memory:"))
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            yield context.path, route


def test_every_route_has_the_access_dependency_it_needs():
    checked = 0
    for path, route in api_routes():
        calls = dependency_calls(route.dependant)
        if route.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            assert require_key in calls, f"write route {path} lacks require_key"
        elif path in PUBLIC_PATHS or set(route.tags) & PUBLIC_TAGS:
            continue
        else:
            assert calls & {require_read, require_key}, f"read route {path} lacks require_read"
        checked += 1
    assert checked >= 13


def test_the_route_check_notices_a_route_without_a_key():
    router = APIRouter()

    @router.post("/open")
    def open_write(session: SessionDep) -> None:
        """A write route someone forgot to guard."""

    route = router.routes[0]
    assert isinstance(route, APIRoute)
    assert require_key not in dependency_calls(route.dependant)


def test_writes_need_a_valid_key(anonymous, api_key):
    body = {"name": "x", "dataset": "shapes", "model_types": ["fc"], "betas": [1.0], "seeds": 1}
    response = anonymous.post("/experiments", json=body)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    bad = anonymous.post("/experiments", json=body, headers={"Authorization": "Bearer bl_nope"})
    assert bad.status_code == 401
    basic = anonymous.post("/experiments", json=body, headers={"Authorization": "Basic " + api_key})
    assert basic.status_code == 401
    assert anonymous.delete("/experiments/" + "0" * 32).status_code == 401
    assert anonymous.post("/experiments/" + "0" * 32 + "/cancel").status_code == 401
    good = anonymous.post("/experiments", json=body, headers={"Authorization": f"Bearer {api_key}"})
    assert good.status_code == 201


def test_reads_are_public_on_loopback_by_default(anonymous, settings):
    assert settings.public_read_effective
    assert anonymous.get("/experiments").status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        {"X-Forwarded-For": "203.0.113.7"},
        {"Forwarded": "for=203.0.113.7;proto=https"},
        {"X-Real-IP": "203.0.113.7"},
    ],
)
def test_default_public_read_stops_at_a_proxy(anonymous, settings, api_key, header):
    """On loopback a read through a reverse proxy still needs a key, unless set explicitly."""
    assert settings.public_read is None and settings.public_read_effective
    response = anonymous.get("/experiments", headers=header)
    assert response.status_code == 401
    assert (
        anonymous.get(
            "/experiments", headers={**header, "Authorization": f"Bearer {api_key}"}
        ).status_code
        == 200
    )
    explicit = settings.model_copy(update={"public_read": True})
    with TestClient(create_app(explicit)) as client:
        assert client.get("/experiments", headers=header).status_code == 200


@pytest.mark.parametrize(
    "path", ["/experiments", "/runs/" + "0" * 32, "/results/" + "0" * 32 + ".csv"]
)
def test_reads_need_a_key_when_public_read_is_off(settings, api_key, path):
    private = settings.model_copy(update={"public_read": False})
    with TestClient(create_app(private)) as client:
        assert client.get(path).status_code == 401
        keyed = client.get(path, headers={"Authorization": f"Bearer {api_key}"})
        assert keyed.status_code in (200, 404)


def test_reads_need_a_key_on_a_non_loopback_host(settings, api_key):
    exposed = Settings(
        **{
            **settings.model_dump(
                exclude={
                    "database_url_effective",
                    "artifact_root_effective",
                    "public_read_effective",
                }
            ),
            "host": "0.0.0.0",
        }
    )
    assert not exposed.public_read_effective
    with TestClient(create_app(exposed)) as client:
        assert client.get("/experiments").status_code == 401


def test_revoked_key_is_refused(client, settings, api_key):
    with session_scope(settings.database_url_effective) as session:
        key = verify_api_key(session=session, token=api_key)
        revoke_api_key(session=session, key_id=key.id)
    response = client.post("/experiments/" + "0" * 32 + "/cancel")
    assert response.status_code == 401
