"""ExperimentSpec: the typed spec the API builds, persistence stores and the worker reads."""

from __future__ import annotations

import itertools
import json

import pytest

from vae_core.config import PRESETS, get_train_config
from vae_core.spec import ExperimentSpec


def mnist_spec(**changes) -> ExperimentSpec:
    fields = {
        "name": "m",
        "dataset": "mnist",
        "model_types": ("fc", "conv"),
        "betas": (0.0, 0.1, 1.0),
        "seeds": (0, 1),
        "metrics": ("svm_accuracy",),
        "metric_keys": ("svm_accuracy",),
        "training": get_train_config("calibrated", max_epochs=5),
        "label_fractions": (0.1, 1.0),
    }
    return ExperimentSpec(**{**fields, **changes})


def test_the_stored_json_reads_back_as_the_same_spec() -> None:
    spec = mnist_spec()
    stored = json.loads(json.dumps(spec.to_dict()))  # what the JSON column gives back
    assert ExperimentSpec.from_dict(stored) == spec
    assert stored["training"]["max_epochs"] == 5 and stored["label_fractions"] == [0.1, 1.0]


def test_cells_run_in_grid_index_order_model_type_beta_seed_fraction() -> None:
    spec = mnist_spec()
    assert spec.cells() == list(
        itertools.product(spec.model_types, spec.betas, spec.seeds, spec.label_fractions)
    )
    assert spec.run_count == len(spec.cells()) == 2 * 3 * 2 * 2
    shapes = mnist_spec(dataset="shapes", label_fractions=None, metrics=("mig",))
    assert shapes.cells()[:2] == [("fc", 0.0, 0, None), ("fc", 0.0, 1, None)]
    assert shapes.run_count == 12


def test_how_runs_are_scored_is_the_training_field_not_the_preset_name() -> None:
    assert mnist_spec().evaluation == "calibrated"
    overridden = mnist_spec(training=get_train_config("calibrated", evaluation="full"))
    assert overridden.evaluation == "full"


def test_a_spec_stored_by_an_older_version_reads_with_todays_defaults() -> None:
    # before metric_keys and before the evaluation field: a partial training dict
    old = {
        "name": "old",
        "dataset": "shapes",
        "model_types": ["fc"],
        "betas": [0, 1],
        "seeds": [0],
        "label_fractions": None,
        "metrics": ["mig", "retired_metric"],
        "training": {"preset": "smoke", "max_epochs": 4, "bf16": None},
    }
    spec = ExperimentSpec.from_dict(old)
    assert spec.metric_keys == ("mig",)  # an unknown metric name gives no keys
    assert spec.training.max_epochs == 4
    assert spec.training.evaluation == PRESETS["smoke"].evaluation == "fast"
    assert spec.training.bf16 is PRESETS["smoke"].bf16  # null: the preset's own
    assert spec.betas == (0.0, 1.0)
    no_metrics = ExperimentSpec.from_dict({**old, "metrics": None, "metric_keys": None})
    assert no_metrics.metrics and "beta_vae_change_one" in no_metrics.metrics


def test_a_spec_with_an_unknown_dataset_model_type_or_an_empty_axis_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown dataset 'cifar'"):
        mnist_spec(dataset="cifar")
    with pytest.raises(ValueError, match="unknown model type"):
        mnist_spec(model_types=("fc", "resnet"))
    with pytest.raises(ValueError, match="at least one value"):
        mnist_spec(seeds=())
