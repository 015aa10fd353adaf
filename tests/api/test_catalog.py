"""GET /catalog says what an experiment may be made of, and the API accepts exactly that."""

from __future__ import annotations

import json
import re
from pathlib import Path

from api.export_openapi import openapi_json


def test_the_catalog_is_public_and_lists_the_closed_sets(anonymous):
    response = anonymous.get("/catalog")
    assert response.status_code == 200
    catalog = response.json()
    assert [d["name"] for d in catalog["datasets"]] == ["shapes", "mnist"]
    assert catalog["model_types"] == ["fc", "fc-denoising", "conv", "conv-denoising"]
    assert {p["name"] for p in catalog["presets"]} == {"paper", "quick", "calibrated", "smoke"}
    calibrated = next(p for p in catalog["presets"] if p["name"] == "calibrated")
    assert calibrated["fields"]["batch_size"] == 64
    assert calibrated["fields"]["beta0_learning_rate"] == calibrated["fields"]["learning_rate"]
    shapes, mnist = catalog["datasets"]
    assert "beta_vae_change_one" in shapes["metrics"] and "svm_accuracy" not in shapes["metrics"]
    assert "svm_accuracy" in mnist["metrics"] and mnist["label_fractions"]
    assert not shapes["label_fractions"]
    dci = next(m for m in catalog["metrics"] if m["name"] == "dci")
    assert dci["keys"][0] == "dci_disentanglement" and dci["datasets"] == ["shapes"]
    objectives = {o["name"]: o for o in catalog["objectives"]}
    assert list(objectives)[0] == "beta_vae" and objectives["beta_vae"]["strength"] == "beta"
    assert objectives["dip_vae_i"]["parameters"] == {"lambda_d_factor": 10.0}
    assert objectives["annealed_vae"]["strength"] == "gamma"
    assert not objectives["factor_vae"]["trainable"] and objectives["beta_tcvae"]["trainable"]


def test_the_catalog_agrees_with_the_request_schema():
    """Each dataset's metrics are its body's metrics enum; every key is a curve result key."""
    spec = json.loads(openapi_json())
    schemas = spec["components"]["schemas"]
    catalog = spec["paths"]["/catalog"]["get"]
    assert catalog["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Catalog"
    }
    from api.catalog import catalog as build

    served = build()
    bodies = {"shapes": "ShapesExperimentCreate", "mnist": "MnistExperimentCreate"}
    for dataset in served.datasets:
        enum = schemas[bodies[dataset.name]]["properties"]["metrics"]["items"]["enum"]
        assert sorted(enum) == sorted(dataset.metrics)
    keys = {key for metric in served.metrics for key in metric.keys}
    assert keys == set(schemas["ResultKey"]["enum"])


def test_everything_the_catalog_offers_is_accepted(client):
    catalog = client.get("/catalog").json()
    for dataset in catalog["datasets"]:
        for preset in catalog["presets"]:
            body = {
                "name": f"{dataset['name']}-{preset['name']}",
                "dataset": dataset["name"],
                "model_types": catalog["model_types"],
                "betas": [1.0],
                "seeds": 1,
                "metrics": dataset["metrics"],
                "training": {"preset": preset["name"]},
            }
            if dataset["label_fractions"]:
                body["label_fractions"] = [1.0]
            response = client.post("/experiments", json=body)
            assert response.status_code == 201, response.text
            assert response.json()["run_count"] == len(catalog["model_types"])


def test_the_dashboard_embeds_the_catalog(anonymous):
    page = anonymous.get("/ui/new").text
    embedded = re.search(r'<script type="application/json" id="catalog">(.*?)</script>', page, re.S)
    assert embedded is not None
    assert json.loads(embedded.group(1)) == anonymous.get("/catalog").json()


def test_the_dashboard_is_native_modules_every_one_served_and_reached(anonymous):
    # One module script in the shell; following its imports reaches every .js file served from
    # api/static, each as JavaScript: no build step, no file the pages do not load.
    page = anonymous.get("/").text
    entries = re.findall(r'<script type="module" src="/static/([\w.-]+\.js)"></script>', page)
    assert entries == ["dashboard.js"]
    assert "<script src=" not in page  # nothing loaded as a classic script
    seen, todo = set(), list(entries)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        response = anonymous.get(f"/static/{name}")
        assert response.status_code == 200, name
        assert response.headers["content-type"].startswith("text/javascript"), name
        todo += re.findall(r'^import \{[^}]*\} from "\./([\w.-]+\.js)";', response.text, re.M)
    static = Path(__file__).resolve().parents[2] / "api" / "static"
    assert seen == {p.name for p in static.glob("*.js")}
    assert {"page-experiments.js", "page-experiment.js", "page-run.js", "page-new.js"} <= seen
