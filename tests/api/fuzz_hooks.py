"""schemathesis hooks for tests/api/test_fuzz.py (loaded through SCHEMATHESIS_HOOKS).

Four rules of POST /experiments relate two or more fields, which JSON Schema cannot say: a
beta range's stop is >= its start, a range yields at most MAX_BETAS betas, a grid has at
most `max_runs_per_experiment` runs (model types x betas x seeds x label fractions), and an
objective's own training parameters are set only with that objective. The spec
states them in words; tests/api/test_validation.py checks their 422s. Here the schema-valid
(positive) cases that break one are dropped, so "schema-valid but rejected" means a real
mismatch. Negative cases and every other operation pass through untouched.
"""

from __future__ import annotations

import math
import os
from typing import Any

import schemathesis

MAX_BETAS = 10_000
MAX_RUNS = int(os.environ.get("BETALAB_MAX_RUNS_PER_EXPERIMENT", "5000"))
# The training fields that belong to one objective or two (vae_core.config.OBJECTIVE_PARAMETERS).
PARAMETER_OWNERS = {
    "lambda_d_factor": {"dip_vae_i", "dip_vae_ii"},
    "c_max": {"annealed_vae"},
    "iteration_threshold": {"annealed_vae"},
    "discriminator_lr": {"factor_vae"},
}


def _beta_count(betas: Any) -> int | None:
    """How many betas a schema-valid `betas` yields; None when it breaks a cross-field rule."""
    if isinstance(betas, list):
        return len(betas)
    start, stop, step = betas["start"], betas["stop"], betas["step"]
    if stop < start or (stop - start) / step >= MAX_BETAS:
        return None
    return math.floor((stop - start) / step + 1e-9) + 1


def within_cross_field_rules(body: dict[str, Any]) -> bool:
    """Whether a schema-valid experiment body also keeps the rules between its fields."""
    betas = _beta_count(body["betas"])
    if betas is None:
        return False
    seeds = len(body["seeds"]) if isinstance(body["seeds"], list) else int(body["seeds"])
    fractions = len(body.get("label_fractions") or [1.0])
    training = body.get("training") or {}
    objective = training.get("objective") or "beta_vae"
    for name, owners in PARAMETER_OWNERS.items():
        if training.get(name) is not None and objective not in owners:
            return False
    return len(body["model_types"]) * betas * seeds * fractions <= MAX_RUNS


@schemathesis.hook
def filter_case(context: Any, case: Any) -> bool:
    if case.method.upper() != "POST" or case.path != "/experiments":
        return True
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or not isinstance(case.body, dict):
        return True
    return within_cross_field_rules(case.body)
