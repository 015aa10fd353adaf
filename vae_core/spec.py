"""An experiment as it is stored and run, typed and without torch (issue #17)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vae_core.config import DATASETS, MODEL_TYPES, TrainConfig, stored_train_config
from vae_core.metrics.registry import DEFAULT_METRICS, METRICS

__all__ = ["ExperimentSpec"]


@dataclass(frozen=True)
class ExperimentSpec:
    """An experiment as it is stored and run: its grid, its metrics and its training.

    The one form the API, persistence and the worker pass around. The API builds it from a
    validated request (`api.spec.normalise_spec`), persistence stores `to_dict()` as the
    experiment's JSON and expands `cells()` into runs, the worker reads `training` and `metrics`
    back through `from_dict`. `label_fractions` is None for a dataset without labels (shapes);
    how runs are scored is `training.evaluation`, an explicit field, never a preset's name.
    """

    name: str
    dataset: str
    model_types: tuple[str, ...]
    betas: tuple[float, ...]
    seeds: tuple[int, ...]
    metrics: tuple[str, ...]
    metric_keys: tuple[str, ...]  # the result keys the metrics give, in table order
    training: TrainConfig
    label_fractions: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if self.dataset not in DATASETS:
            raise ValueError(f"unknown dataset {self.dataset!r}; expected one of {list(DATASETS)}")
        unknown = [m for m in self.model_types if m not in MODEL_TYPES]
        if unknown:
            raise ValueError(f"unknown model type(s) {unknown}; expected some of {MODEL_TYPES}")
        if not (self.model_types and self.betas and self.seeds):
            raise ValueError("model_types, betas and seeds must each have at least one value")

    @property
    def evaluation(self) -> str:
        """How each run is scored: one of EVALUATIONS (vae_core.evaluate.SAMPLE_SIZES)."""
        return self.training.evaluation

    def cells(self) -> list[tuple[str, float, int, float | None]]:
        """The grid's cells (model type, β, seed, label fraction) in grid_index order."""
        fractions: tuple[float | None, ...] = self.label_fractions or (None,)
        return [
            (m, b, s, f)
            for m in self.model_types
            for b in self.betas
            for s in self.seeds
            for f in fractions
        ]

    @property
    def run_count(self) -> int:
        fractions = len(self.label_fractions or (None,))
        return len(self.model_types) * len(self.betas) * len(self.seeds) * fractions

    def to_dict(self) -> dict[str, Any]:
        """The JSON stored with the experiment (lists, and `training` as a TrainConfig dict)."""
        return {
            "name": self.name,
            "dataset": self.dataset,
            "model_types": list(self.model_types),
            "betas": list(self.betas),
            "seeds": list(self.seeds),
            "label_fractions": None if self.label_fractions is None else list(self.label_fractions),
            "metrics": list(self.metrics),
            "metric_keys": list(self.metric_keys),
            "training": self.training.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ExperimentSpec:
        """Inverse of `to_dict`; a spec stored by an older version reads with today's defaults
        (the dataset's default metrics, their keys, the preset's missing training fields)."""
        metrics = tuple(d.get("metrics") or DEFAULT_METRICS[d["dataset"]])
        keys = d.get("metric_keys")
        if keys is None:
            keys = [k for name in metrics if name in METRICS for k in METRICS[name].keys]
        fractions = d.get("label_fractions")
        return cls(
            name=str(d["name"]),
            dataset=str(d["dataset"]),
            model_types=tuple(d["model_types"]),
            betas=tuple(float(b) for b in d["betas"]),
            seeds=tuple(int(s) for s in d["seeds"]),
            metrics=metrics,
            metric_keys=tuple(keys),
            training=stored_train_config(d.get("training")),
            label_fractions=None if fractions is None else tuple(float(f) for f in fractions),
        )
