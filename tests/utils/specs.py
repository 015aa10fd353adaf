"""Experiment bodies for tests that need a valid one and care about a field or two of it."""

from __future__ import annotations

from typing import Any


def smoke_body(name: str, **fields: Any) -> dict[str, Any]:
    """A POST /experiments body: fc on shapes at β 0 and 1, one seed, the `smoke` preset;
    `fields` replace or add top-level fields."""
    body: dict[str, Any] = {
        "name": name,
        "dataset": "shapes",
        "model_types": ["fc"],
        "betas": [0.0, 1.0],
        "seeds": 1,
        "training": {"preset": "smoke"},
    }
    return body | fields
