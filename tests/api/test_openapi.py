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
