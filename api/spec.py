"""Turn a validated experiment body into the normalised spec stored with the experiment."""

from __future__ import annotations

from typing import Any

from fastapi.exceptions import RequestValidationError

from api.schemas import ExperimentBody, MnistExperimentCreate
from persistence.crud import grid_size
from vae_core.config import get_train_config
from vae_core.metrics.registry import DEFAULT_METRICS, METRICS


def _error(loc: tuple[str | int, ...], msg: str, kind: str = "value_error") -> dict[str, Any]:
    return {"loc": ("body", *loc), "msg": msg, "type": kind, "input": None}


def resolve_training(training: Any) -> dict[str, Any]:
    """The preset with its overrides applied, as a TrainConfig dict; 422 naming the bad field."""
    overrides = training.model_dump(exclude_unset=True, exclude={"preset"})
    errors = []
    for name, value in overrides.items():
        try:
            get_train_config(training.preset, **{name: value})
        except (ValueError, TypeError) as exc:
            errors.append(_error(("training", name), str(exc)))
    if errors:
        raise RequestValidationError(errors)
    try:
        return get_train_config(training.preset, **overrides).to_dict()
    except (ValueError, TypeError) as exc:
        raise RequestValidationError([_error(("training",), str(exc))]) from exc


def normalise_spec(body: ExperimentBody, *, max_runs: int) -> dict[str, Any]:
    """Expanded betas/seeds, resolved metrics and training; 422 when the grid is too large."""
    betas = body.betas if isinstance(body.betas, list) else body.betas.values()
    seeds = list(range(body.seeds)) if isinstance(body.seeds, int) else list(body.seeds)
    fractions = None
    if isinstance(body, MnistExperimentCreate):
        fractions = body.label_fractions or [1.0]
    metrics = body.metrics or list(DEFAULT_METRICS[body.dataset])
    spec: dict[str, Any] = {
        "name": body.name,
        "dataset": body.dataset,
        "model_types": list(body.model_types),
        "betas": [float(b) for b in betas],
        "seeds": seeds,
        "label_fractions": fractions,
        "metrics": metrics,
        "metric_keys": [key for name in metrics for key in METRICS[name].keys],
    }
    count = grid_size(spec)
    if count > max_runs:
        sizes = (
            f"model_types {len(spec['model_types'])} x betas {len(spec['betas'])} x "
            f"seeds {len(seeds)}" + (f" x label_fractions {len(fractions)}" if fractions else "")
        )
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
    spec["training"] = resolve_training(body.training)
    return spec
