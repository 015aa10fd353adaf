"""Curves, curve pictures and CSV computed from the database; run details and their pictures."""

from __future__ import annotations

import csv
import io

import pytest

from persistence.db import session_scope
from persistence.models import RunStatus
from tests.utils.results import add_artifact, finish_runs
from tests.utils.specs import smoke_body

BODY = smoke_body(
    "curve",
    model_types=["fc", "conv"],
    betas=[0.0, 1.0, 2.0, 3.0],
    seeds=3,
    metrics=["mig", "reconstruction"],
)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def value(run, key):
    """fc rises with beta, conv falls; the seed adds 0, 1, 2."""
    sign = 1 if run.model_type == "fc" else -1
    return sign * 2 * run.beta + run.seed + (100 if key == "kl" else 0)


@pytest.fixture
def experiment(client, settings):
    experiment_id = client.post("/experiments", json=BODY).json()["id"]
    with session_scope(settings.database_url_effective) as session:
        # The first fc run at beta 1 fails; everything else completes.
        failed = lambda r: r.model_type == "fc" and r.beta == 1.0 and r.seed == 0  # noqa: E731
        finish_runs(session, experiment_id, value, ["mig", "kl"], where=lambda r: not failed(r))
        finish_runs(session, experiment_id, value, [], where=failed, status=RunStatus.failed)
    return experiment_id


def test_curve_has_mean_std_ci_and_values_per_beta_from_completed_runs(client, experiment):
    response = client.get(f"/results/{experiment}/curve", params={"metric": "mig"})
    assert response.status_code == 200
    body = response.json()
    assert body["experiment_id"] == experiment and body["metric"] == "mig"
    points = {(p["model_type"], p["beta"]): p for p in body["points"]}
    assert len(points) == 8
    fc2 = points[("fc", 2.0)]
    assert fc2["values"] == [4.0, 5.0, 6.0] and fc2["mean"] == 5.0 and fc2["std"] == 1.0
    assert fc2["n"] == 3 and 4.0 <= fc2["ci_low"] <= 5.0 <= fc2["ci_high"] <= 6.0
    assert points[("fc", 1.0)]["values"] == [3.0, 4.0]  # the failed run is left out
    trend = {t["model_type"]: t for t in body["trend"]}
    assert trend["fc"]["spearman_rho"] > 0.9 and trend["conv"]["spearman_rho"] < -0.9
    assert trend["fc"]["p_value"] < 0.01


def test_curve_filters_by_model_type(client, experiment):
    body = client.get(
        f"/results/{experiment}/curve", params={"metric": "kl", "model_type": "conv"}
    ).json()
    assert {p["model_type"] for p in body["points"]} == {"conv"}
    assert body["points"][0]["mean"] == 101.0


def test_curve_follows_new_results_once_its_cache_ttl_passes(client, settings, experiment):
    app_settings = client.app.state.settings
    app_settings.result_cache_ttl_s = 60.0
    before = client.get(f"/results/{experiment}/curve", params={"metric": "mig"}).json()
    with session_scope(settings.database_url_effective) as session:
        finish_runs(
            session,
            experiment,
            lambda r, k: 1000.0,
            ["mig"],
            where=lambda r: r.status is RunStatus.failed,
        )
    # Within the TTL the confirmed curve is served without asking the database...
    cached = client.get(f"/results/{experiment}/curve", params={"metric": "mig"}).json()
    # ...and once it has passed, the database's new value shows.
    app_settings.result_cache_ttl_s = 0.0
    after = client.get(f"/results/{experiment}/curve", params={"metric": "mig"}).json()
    fc1 = lambda body: next(  # noqa: E731
        p for p in body["points"] if p["model_type"] == "fc" and p["beta"] == 1.0
    )
    assert fc1(before)["n"] == 2 and fc1(cached)["n"] == 2
    assert fc1(after)["n"] == 3 and 1000.0 in fc1(after)["values"]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"metric": "bogus"},
        {"metric": "mig", "model_type": "mlp"},
        {"metric": "mig", "label_fraction": 0},
        {"metric": "mig", "label_fraction": "nan"},
        {"metric": "x" * 65},
    ],
)
def test_curve_rejects_unknown_metrics_and_filters(client, experiment, params):
    response = client.get(f"/results/{experiment}/curve", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


def test_curve_of_a_key_the_experiment_does_not_compute_is_404_naming_its_keys(client, experiment):
    """beta_vae_change_one is a result key (in the spec's enum), but not this experiment's."""
    for suffix in ("curve", "curve.png"):
        response = client.get(
            f"/results/{experiment}/{suffix}", params={"metric": "beta_vae_change_one"}
        )
        assert response.status_code == 404
        detail = response.json()["detail"]
        assert "no result 'beta_vae_change_one'" in detail and "'mig'" in detail


def test_curve_of_unknown_experiment_is_404(client):
    assert (
        client.get("/results/" + "0" * 32 + "/curve", params={"metric": "mig"}).status_code == 404
    )


def test_curve_png_is_an_image(client, experiment):
    response = client.get(f"/results/{experiment}/curve.png", params={"metric": "mig"})
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert response.content.startswith(PNG_MAGIC)
    bad = client.get(f"/results/{experiment}/curve.png", params={"metric": "nope"})
    assert bad.status_code == 422


def test_csv_has_one_row_per_run_and_metric(client, experiment):
    response = client.get(f"/results/{experiment}.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert (
        response.text.splitlines()[0]
        == "run_id,model_type,beta,seed,label_fraction,status,metric,value"
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 23 * 2 + 1
    failed = [r for r in rows if r["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["metric"] == "" and failed[0]["value"] == ""
    mig = [r for r in rows if r["metric"] == "mig" and r["model_type"] == "fc"]
    assert {(float(r["beta"]), int(r["seed"]), float(r["value"])) for r in mig} >= {(3.0, 2, 8.0)}
    assert client.get("/results/" + "0" * 32 + ".csv").status_code == 404


def test_run_detail_has_config_history_metrics_and_failure(client, experiment):
    runs = client.get(f"/experiments/{experiment}/runs", params={"limit": 1000}).json()["data"]
    done = next(r for r in runs if r["status"] == "completed")
    failed = next(r for r in runs if r["status"] == "failed")
    detail = client.get(f"/runs/{done['id']}").json()
    assert detail["config"]["model_type"] == done["model_type"]
    assert detail["config"]["training"]["preset"] == "smoke"
    assert [e["epoch"] for e in detail["epochs"]] == [1, 2, 3]
    assert set(detail["metrics"]) == {"kl", "mig"} and detail["attempts"] == 1
    assert client.get(f"/runs/{failed['id']}").json()["failure_reason"].startswith("NaN")
    assert client.get("/runs/" + "0" * 32).status_code == 404


def test_run_images_are_served_by_run_id_and_kind(client, settings, experiment):
    run_id = client.get(f"/experiments/{experiment}/runs").json()["data"][1]["id"]
    with session_scope(settings.database_url_effective) as session:
        add_artifact(session, run_id, "traversal", PNG_MAGIC + b"traversal")
    response = client.get(f"/runs/{run_id}/traversal.png")
    assert response.status_code == 200 and response.content == PNG_MAGIC + b"traversal"
    assert response.headers["content-type"] == "image/png"
    assert client.get(f"/runs/{run_id}").json()["images"] == {
        "traversal": f"/runs/{run_id}/traversal.png"
    }
    assert client.get(f"/runs/{run_id}/response.png").status_code == 404
    assert client.get(f"/runs/{run_id}/reconstructions.png").status_code == 404
    assert client.get("/runs/..%2F..%2Fetc%2Fpasswd/traversal.png").status_code in (404, 422)


def test_tradeoff_gives_a_point_per_completed_run_and_means_in_order_of_strength(
    client, experiment
):
    response = client.get(f"/results/{experiment}/tradeoff", params={"x": "kl", "y": "mig"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["x"], body["y"], body["strength_name"]) == ("kl", "mig", "beta")
    assert len(body["points"]) == 2 * 4 * 3 - 1  # the failed run has no point
    assert all(p["x"] == p["y"] + 100 and p["objective"] == "beta_vae" for p in body["points"])
    series = {s["model_type"]: s for s in body["series"]}
    assert set(series) == {"fc", "conv"}
    fc = series["fc"]["means"]
    assert [m["strength"] for m in fc] == [0.0, 1.0, 2.0, 3.0]
    assert (fc[0]["x_mean"], fc[0]["y_mean"], fc[0]["y_std"], fc[0]["n"]) == (101.0, 1.0, 1.0, 3)
    assert (fc[1]["y_mean"], fc[1]["n"]) == (3.5, 2)  # seeds 1 and 2 of β = 1
    conv = series["conv"]["means"]
    assert [m["y_mean"] for m in conv] == [1.0, -1.0, -3.0, -5.0]  # conv pays less, gets less


def test_tradeoff_filters_and_refuses_what_the_experiment_does_not_compute(client, experiment):
    only_conv = client.get(
        f"/results/{experiment}/tradeoff", params={"x": "kl", "y": "mig", "model_type": "conv"}
    ).json()
    assert {p["model_type"] for p in only_conv["points"]} == {"conv"}
    missing = client.get(f"/results/{experiment}/tradeoff", params={"x": "sap", "y": "mig"})
    assert missing.status_code == 404 and "sap" in missing.json()["detail"]
    assert client.get(f"/results/{experiment}/tradeoff", params={"x": "kl"}).status_code == 422
    bogus = client.get(f"/results/{experiment}/tradeoff", params={"x": "nope", "y": "mig"})
    assert bogus.status_code == 422
    unknown = client.get("/results/" + "0" * 32 + "/tradeoff", params={"x": "kl", "y": "mig"})
    assert unknown.status_code == 404


def test_tradeoff_names_the_experiments_objective_and_its_strength(client, settings):
    body = {
        **BODY,
        "name": "annealed",
        "training": {"preset": "smoke", "objective": "annealed_vae"},
    }
    experiment_id = client.post("/experiments", json=body).json()["id"]
    with session_scope(settings.database_url_effective) as session:
        finish_runs(session, experiment_id, value, ["mig", "kl"])
    tradeoff = client.get(f"/results/{experiment_id}/tradeoff", params={"x": "kl", "y": "mig"})
    data = tradeoff.json()
    assert data["strength_name"] == "gamma"
    assert {s["objective"] for s in data["series"]} == {"annealed_vae"}
    assert {p["objective"] for p in data["points"]} == {"annealed_vae"}
