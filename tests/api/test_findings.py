"""GET /results/{id}/findings: the paper's findings tested on an experiment's stored runs."""

from __future__ import annotations

import time

from persistence.db import session_scope
from persistence.models import RunStatus
from tests.utils.results import finish_runs

SHAPES = {
    "name": "figure-1",
    "dataset": "shapes",
    "model_types": ["fc-denoising", "conv-denoising"],
    "betas": [0.0, 1.0, 2.0, 3.0, 4.0],
    "seeds": 3,
    "metrics": ["beta_vae_change_one"],
    "training": {"preset": "smoke"},
}
MNIST = {
    "name": "figure-2",
    "dataset": "mnist",
    "model_types": ["fc", "conv"],
    "betas": [0.0, 0.1, 1.0, 2.0],
    "seeds": 3,
    "label_fractions": [0.1, 1.0],
    "metrics": ["svm_accuracy"],
    "training": {"preset": "smoke"},
}


def change_one(run, key):
    """conv-denoising rises steadily; fc-denoising rises then saturates; seeds spread 0.05."""
    if run.model_type == "conv-denoising":
        return 0.3 + 0.1 * run.beta + 0.05 * run.seed
    return 0.9 - 0.5 * 0.3**run.beta + 0.05 * run.seed


def accuracy(run, key):
    """A jump from beta 0 to 0.1, a decline after; conv better with few labels."""
    base = 0.95 if run.label_fraction == 1.0 else (0.80 if run.model_type == "fc" else 0.85)
    shape = -0.03 if run.beta == 0 else -0.02 * run.beta
    return base + shape + 0.001 * run.seed


def finished(client, settings, body, value, key, fail=None):
    experiment_id = client.post("/experiments", json=body).json()["id"]
    with session_scope(settings.database_url_effective) as session:
        keep = (lambda r: not fail(r)) if fail else (lambda r: True)
        finish_runs(session, experiment_id, value, [key], where=keep)
        if fail:
            finish_runs(session, experiment_id, value, [], where=fail, status=RunStatus.failed)
    return experiment_id


def verdicts(body):
    return {(f["id"], f["model_type"], f["label_fraction"]): f for f in body["findings"]}


def test_shapes_findings_come_from_the_stored_change_one_scores(client, settings):
    experiment = finished(client, settings, SHAPES, change_one, "beta_vae_change_one")
    response = client.get(f"/results/{experiment}/findings")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["dataset"], body["metric"], body["alpha"]) == (
        "shapes",
        "beta_vae_change_one",
        0.05,
    )
    found = verdicts(body)
    assert found[("F2a", "conv-denoising", None)]["verdict"] == "reproduced"
    assert found[("F2b", "conv-denoising", None)]["numbers"]["steadiest"] == "conv-denoising"
    flat = found[("F2c", "fc-denoising", None)]
    assert flat["verdict"] == "reproduced" and flat["numbers"]["ci_high"] < 0
    f1 = found[("F1", "conv-denoising", None)]
    assert f1["numbers"]["runs"] == 15 and abs(f1["numbers"]["mean_within_beta_std"] - 0.05) < 1e-9
    assert {f["id"] for f in body["findings"]} == {"F1", "F2a", "F2b", "F2c"}


def test_mnist_findings_leave_failed_runs_out(client, settings):
    fail = lambda r: r.model_type == "fc" and r.beta == 0.0 and r.seed == 0  # noqa: E731
    experiment = finished(client, settings, MNIST, accuracy, "svm_accuracy", fail)
    body = client.get(f"/results/{experiment}/findings").json()
    found = verdicts(body)
    jump = found[("F3a", "fc", 0.1)]
    assert jump["numbers"]["pairs"] == 2 and jump["verdict"] == "inconclusive"  # seed 0 failed
    assert found[("F3a", "conv", 0.1)]["verdict"] == "reproduced"
    assert found[("F3c", "conv", None)]["verdict"] == "reproduced"
    robust = found[("F3d", "conv", 0.1)]
    assert (
        robust["verdict"] == "reproduced" and robust["numbers"]["pairs"] == 11
    )  # 4 x 3, less the failed run


def test_findings_need_the_papers_metric_and_an_existing_experiment(client, settings):
    body = dict(SHAPES, metrics=["mig"])
    experiment = client.post("/experiments", json=body).json()["id"]
    response = client.get(f"/results/{experiment}/findings")
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert "beta_vae_change_one" in detail and "['mig']" in detail
    assert client.get("/results/" + "0" * 32 + "/findings").status_code == 404


def test_findings_follow_new_results(client, settings):
    experiment = client.post("/experiments", json=SHAPES).json()["id"]
    first = verdicts(client.get(f"/results/{experiment}/findings").json())
    assert first[("F2a", "conv-denoising", None)]["verdict"] == "inconclusive"  # nothing yet
    with session_scope(settings.database_url_effective) as session:
        finish_runs(session, experiment, change_one, ["beta_vae_change_one"])
    time.sleep(client.app.state.settings.result_cache_ttl_s + 0.1)
    later = verdicts(client.get(f"/results/{experiment}/findings").json())
    assert later[("F2a", "conv-denoising", None)]["verdict"] == "reproduced"
