"""The catalog: datasets, model types, metrics per dataset, training presets and objectives,
built once from vae_core's own definitions; GET /catalog serves it and the dashboard embeds it."""

from __future__ import annotations

import json
from functools import lru_cache

from api.schemas import Catalog
from vae_core.config import (
    DATASETS,
    IMAGE_SHAPES,
    LATENT_DIMS,
    MODEL_TYPES,
    OBJECTIVE_PARAMETERS,
    OBJECTIVES,
    PRESETS,
    STRENGTH_NAMES,
    TRAINABLE_OBJECTIVES,
)
from vae_core.metrics.registry import DEFAULT_METRICS, METRICS


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """Everything a client needs to compose a valid experiment, in the API's own order."""
    return Catalog.model_validate(
        {
            "datasets": [
                {
                    "name": name,
                    "description": description,
                    "image_shape": list(IMAGE_SHAPES[name]),
                    "latent_dim": LATENT_DIMS[name],
                    "metrics": [m for m, spec in METRICS.items() if name in spec.datasets],
                    "default_metrics": list(DEFAULT_METRICS[name]),
                    "label_fractions": name == "mnist",
                }
                for name, description in DATASETS.items()
            ],
            "model_types": list(MODEL_TYPES),
            "metrics": [
                {
                    "name": name,
                    "datasets": list(spec.datasets),
                    "keys": list(spec.keys),
                    "description": spec.description,
                }
                for name, spec in METRICS.items()
            ],
            "presets": [
                {"name": name, "fields": config.to_dict()} for name, config in PRESETS.items()
            ],
            "objectives": [
                {
                    "name": name,
                    "strength": STRENGTH_NAMES[name],
                    "parameters": OBJECTIVE_PARAMETERS[name],
                    "trainable": name in TRAINABLE_OBJECTIVES,
                }
                for name in OBJECTIVES
            ],
        }
    )


@lru_cache(maxsize=1)
def catalog_json() -> str:
    """The catalog as JSON safe inside an HTML <script> element (no `</` can close it)."""
    return json.dumps(catalog().model_dump(mode="json"), ensure_ascii=False).replace("</", "<\\/")
