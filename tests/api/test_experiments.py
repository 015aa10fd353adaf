"""Experiments over HTTP: create (with real enqueue), list, detail, cancel, delete."""

from __future__ import annotations

from sqlalchemy import func, select

from persistence.db import session_scope
from persistence.models import Run, RunStatus
from tests.utils.results import finish_runs
from tests.utils.specs import smoke_body
from worker.celery_app import redis_client

BODY = smoke_body(
    "fig1",
    model_types=["fc", "conv"],
    betas={"start": 0, "stop": 1, "step": 0.2},
    seeds=2,
    training={"preset": "smoke", "max_epochs": 3},
)


def post(client, **changes):
    return client.post("/experiments", json={**BODY, **changes})


def test_create_expands_grid_stores_runs_and_enqueues_them(client, settings):
    response = post(client)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["run_count"] == 2 * 6 * 2
    assert response.headers["location"] == f"/experiments/{body['id']}"
    assert body["links"]["curve"] == f"/results/{body['id']}/curve"
    with session_scope(settings.database_url_effective) as session:
        runs = session.scalars(select(Run).where(Run.experiment_id == body["id"])).all()
    assert len(runs) == 24 and all(r.task_id for r in runs)
    assert sorted({r.beta for r in runs}) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert sorted({r.seed for r in runs}) == [0, 1]
    queue = redis_client(settings.broker_url)
    assert queue.llen("train") == 24


def test_create_resolves_defaults_into_the_stored_spec(client):
    body = {k: v for k, v in BODY.items() if k != "metrics"}
    created = client.post("/experiments", json=body).json()
    spec = client.get(f"/experiments/{created['id']}").json()["spec"]
    assert spec["metrics"] == ["beta_vae_change_one", "reconstruction"]
    assert "recon_loss" in spec["metric_keys"]
    assert spec["training"]["preset"] == "smoke" and spec["training"]["max_epochs"] == 3
    assert spec["label_fractions"] is None and spec["seeds"] == [0, 1]


def test_mnist_defaults_to_full_labels(client):
    created = post(client, dataset="mnist", model_types=["fc"], betas=[1.0], seeds=[7]).json()
    spec = client.get(f"/experiments/{created['id']}").json()["spec"]
    assert spec["label_fractions"] == [1.0] and spec["metrics"][0] == "svm_accuracy"
    assert created["run_count"] == 1


def test_create_still_answers_201_when_the_broker_is_down(client, settings):
    client.app.state.settings = settings.model_copy(update={"broker_url": "redis://127.0.0.1:1/0"})
    response = post(client)
    assert response.status_code == 201
    runs = client.get(f"/experiments/{response.json()['id']}/runs").json()
    assert runs["count"] == 24 and {r["status"] for r in runs["data"]} == {"queued"}


def test_list_filters_by_status_and_paginates(client, settings):
    ids = [post(client, name=f"e{i}").json()["id"] for i in range(3)]
    with session_scope(settings.database_url_effective) as session:
        finish_runs(session, ids[0])
    client.post(f"/experiments/{ids[1]}/cancel")
    listing = client.get("/experiments", params={"limit": 2}).json()
    assert listing["count"] == 3 and [e["name"] for e in listing["data"]] == ["e2", "e1"]
    cancelled = client.get("/experiments", params={"status": "cancelled"}).json()
    assert [e["id"] for e in cancelled["data"]] == [ids[1]]
    assert client.get("/experiments", params={"status": "bogus"}).status_code == 422
    assert client.get("/experiments", params={"limit": 0}).status_code == 422


def test_detail_reports_counts_progress_and_eta(client, settings):
    experiment_id = post(client).json()["id"]
    with session_scope(settings.database_url_effective) as session:
        finish_runs(session, experiment_id, keys=["mig"], first=12, compute_seconds=30.0)
    detail = client.get(f"/experiments/{experiment_id}").json()
    assert detail["counts"]["completed"] == 12 and detail["counts"]["queued"] == 12
    assert detail["progress"] == 0.5
    assert detail["eta_seconds"] == 30.0 * 12
    assert client.get("/experiments/" + "0" * 32).status_code == 404
    assert client.get("/experiments/not-an-id").status_code == 422


def test_cancel_marks_queued_runs_cancelled_and_removes_their_tasks(client, settings):
    experiment_id = post(client).json()["id"]
    response = client.post(f"/experiments/{experiment_id}/cancel")
    assert response.status_code == 200
    detail = response.json()
    assert detail["cancel_requested"] and detail["status"] == "cancelled"
    assert detail["counts"]["cancelled"] == 24
    revoked = redis_client(settings.broker_url)
    assert revoked.llen("train") == 24  # messages stay; workers drop them by DB status
    assert client.post("/experiments/" + "0" * 32 + "/cancel").status_code == 404


def test_delete_needs_finished_or_cancelled_and_removes_everything(client, settings):
    experiment_id = post(client).json()["id"]
    assert client.delete(f"/experiments/{experiment_id}").status_code == 409
    client.post(f"/experiments/{experiment_id}/cancel")
    folder = settings.artifact_root_effective / "experiments" / experiment_id
    folder.mkdir(parents=True)
    assert client.delete(f"/experiments/{experiment_id}").status_code == 204
    assert not folder.exists()
    assert client.get(f"/experiments/{experiment_id}").status_code == 404
    assert client.delete(f"/experiments/{experiment_id}").status_code == 404
    with session_scope(settings.database_url_effective) as session:
        assert session.scalar(select(func.count()).select_from(Run)) == 0


def test_runs_listing_is_in_grid_order_and_filters_by_status(client, settings):
    experiment_id = post(client).json()["id"]
    with session_scope(settings.database_url_effective) as session:
        finish_runs(session, experiment_id, where=lambda r: r.seed == 1, status=RunStatus.failed)
    page = client.get(f"/experiments/{experiment_id}/runs", params={"skip": 2, "limit": 3}).json()
    assert page["count"] == 24 and [r["grid_index"] for r in page["data"]] == [2, 3, 4]
    failed = client.get(f"/experiments/{experiment_id}/runs", params={"status": "failed"}).json()
    assert failed["count"] == 12 and failed["data"][0]["failure_reason"]


def test_list_items_carry_the_same_counts_progress_and_eta_as_the_detail(client, settings):
    ids = [post(client, name=f"e{i}").json()["id"] for i in range(2)]
    with session_scope(settings.database_url_effective) as session:
        finish_runs(session, ids[0], keys=["mig"], first=6, compute_seconds=30.0)
    listed = {e["id"]: e for e in client.get("/experiments").json()["data"]}
    for experiment_id in ids:
        detail = client.get(f"/experiments/{experiment_id}").json()
        for field in ("counts", "progress", "eta_seconds", "status", "run_count"):
            assert listed[experiment_id][field] == detail[field], field
    assert listed[ids[0]]["counts"]["completed"] == 6 and listed[ids[0]]["progress"] == 0.25
    assert listed[ids[1]]["counts"]["queued"] == 24 and listed[ids[1]]["eta_seconds"] is None


def test_runs_listing_carries_each_runs_metric_values(client, settings):
    experiment_id = post(client).json()["id"]
    with session_scope(settings.database_url_effective) as session:
        finish_runs(
            session,
            experiment_id,
            lambda r, k: r.beta + (k == "sap"),
            ["mig", "sap"],
            first=2,
        )
    runs = client.get(f"/experiments/{experiment_id}/runs", params={"limit": 3}).json()["data"]
    assert [r["metrics"] for r in runs] == [
        {"mig": runs[0]["beta"], "sap": runs[0]["beta"] + 1},
        {"mig": runs[1]["beta"], "sap": runs[1]["beta"] + 1},
        {},
    ]
