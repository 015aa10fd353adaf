"""The committed OpenAPI document matches the app (run `make openapi` after changing the API)."""

from __future__ import annotations

import json
from pathlib import Path

from api.export_openapi import openapi_json

COMMITTED = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"


def test_committed_openapi_is_up_to_date():
    assert COMMITTED.read_text(encoding="utf-8") == openapi_json(), "run `make openapi`"


def test_operations_have_unique_readable_ids_and_a_tag():
    spec = json.loads(openapi_json())
    operations = [op for path in spec["paths"].values() for op in path.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    assert {"create_experiment", "get_curve", "get_run"} <= set(ids)
    assert all(op_id.isidentifier() for op_id in ids)
    assert all(len(op["tags"]) == 1 for op in operations)


def test_openapi_declares_bearer_security():
    spec = json.loads(openapi_json())
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_reads_say_a_key_is_optional_and_writes_that_it_is_required(client):
    """Public read (on by default only on loopback) is in the spec: reads list the bearer scheme
    and the empty requirement; writes list the bearer scheme alone. The running app agrees."""
    spec = json.loads(openapi_json())
    reads, writes = [], []
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            if op["tags"][0] in ("experiments", "runs", "results"):
                (reads if method == "get" else writes).append((path, op["security"]))
    assert len(reads) == 12 and len(writes) == 3  # the results reads include /tradeoff
    assert all(security == [{"HTTPBearer": []}, {}] for _, security in reads), reads
    assert all(security == [{"HTTPBearer": []}] for _, security in writes), writes
    anonymous = client.get("/experiments", headers={"Authorization": ""})
    assert anonymous.status_code == 200  # the test app binds loopback: public read is on


def test_a_wrong_method_is_405_naming_every_method_of_the_path(client):
    """Starlette names only the first matching route's methods; the API names all of them."""
    response = client.put("/experiments/" + "0" * 32)
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET"
    assert client.get("/experiments/" + "0" * 32 + "/cancel").headers["allow"] == "POST"


def test_result_keys_and_metrics_are_closed_sets():
    spec = json.loads(openapi_json())
    schemas = spec["components"]["schemas"]
    assert "mig" in schemas["ResultKey"]["enum"] and "svm_accuracy" in schemas["ResultKey"]["enum"]
    shapes = schemas["ShapesExperimentCreate"]["properties"]["metrics"]["items"]["enum"]
    mnist = schemas["MnistExperimentCreate"]["properties"]["metrics"]["items"]["enum"]
    assert "mig" in shapes and "svm_accuracy" not in shapes
    assert "svm_accuracy" in mnist and "mig" not in mnist
    body = spec["paths"]["/experiments"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["discriminator"]["propertyName"] == "dataset"
