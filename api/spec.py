"""Turn a validated experiment body into the normalised spec stored with the experiment."""

from __future__ import annotations

from typing import Any

from fastapi.exceptions import RequestValidationError

from api.schemas import ExperimentBody, MnistExperimentCreate
from vae_core.config import TrainConfig, get_train_config
from vae_core.metrics.registry import DEFAULT_METRICS, METRICS
from vae_core.spec import ExperimentSpec


def _error(loc: tuple[str | int, ...], msg: str, kind: str = "value_error") -> dict[str, Any]:
    return {"loc": ("body", *loc), "msg": msg, "type": kind, "input": None}


def resolve_training(training: Any) -> TrainConfig:
    """The preset with its overrides applied; 422 naming the bad field."""
    overrides = training.model_dump(exclude_unset=True, exclude={"preset"})
    errors = []
    objective = {k: v for k, v in overrides.items() if k == "objective"}
    for name, value in overrides.items():
        try:  # an objective's own parameter is checked against the objective asked for
            get_train_config(training.preset, **{**objective, name: value})
        except (ValueError, TypeError) as exc:
            errors.append(_error(("training", name), str(exc)))
    if errors:
        raise RequestValidationError(errors)
    try:
        return get_train_config(training.preset, **overrides)
    except (ValueError, TypeError) as exc:
        raise RequestValidationError([_error(("training",), str(exc))]) from exc


def normalise_spec(body: ExperimentBody, *, max_runs: int) -> ExperimentSpec:
    """The typed spec of a validated body: betas and seeds expanded, metrics and training
    resolved; 422 when the grid is too large."""
    betas = body.betas if isinstance(body.betas, list) else body.betas.values()
    seeds = list(range(body.seeds)) if isinstance(body.seeds, int) else list(body.seeds)
    fractions = None
    if isinstance(body, MnistExperimentCreate):
        fractions = tuple(body.label_fractions or [1.0])
    metrics = tuple(body.metrics or DEFAULT_METRICS[body.dataset])
    axes = {
        "model_types": len(body.model_types),
        "betas": len(betas),
        "seeds": len(seeds),
        **({"label_fractions": len(fractions)} if fractions else {}),
    }
    count = 1
    for n in axes.values():
        count *= n
    if count > max_runs:
        sizes = " x ".join(f"{name} {n}" for name, n in axes.items())
        raise RequestValidationError(
            [
                _error(
                    (),
                    f"the grid has {count} runs ({sizes}); at most {max_runs} are allowed "
                    "per experiment (max_runs_per_experiment)",
                    "too_many_runs",
                )
            ]
        )
    return ExperimentSpec(
        name=body.name,
        dataset=body.dataset,
        model_types=tuple(body.model_types),
        betas=tuple(float(b) for b in betas),
        seeds=tuple(seeds),
        metrics=metrics,
        metric_keys=tuple(key for name in metrics for key in METRICS[name].keys),
        training=resolve_training(body.training),
        label_fractions=fractions,
    )
