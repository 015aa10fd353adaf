"""vae_core.analysis.tradeoff on small tables whose means and spreads are worked out by hand."""

from __future__ import annotations

import math

import pytest

from vae_core.analysis.tradeoff import tradeoff


def row(run, model_type, strength, seed, x, y, fraction=None, objective=None):
    return {
        "run_id": run,
        "model_type": model_type,
        "label_fraction": fraction,
        "strength": strength,
        "seed": seed,
        "x": x,
        "y": y,
        "objective": objective,
    }


def test_means_per_strength_come_in_order_of_strength_with_sample_std() -> None:
    rows = [
        row("c", "fc", 4.0, 0, 150.0, 0.60),
        row("a", "fc", 0.0, 1, 104.0, 0.45),
        row("b", "fc", 0.0, 0, 100.0, 0.55),
        row("d", "fc", 1.0, 0, 120.0, 0.50),
    ]
    points, series = tradeoff(rows)
    assert [p["run_id"] for p in points] == ["b", "a", "d", "c"]  # strength, then seed
    (fc,) = series
    assert (fc["objective"], fc["model_type"], fc["label_fraction"]) == ("beta_vae", "fc", None)
    assert [m["strength"] for m in fc["means"]] == [0.0, 1.0, 4.0]
    first = fc["means"][0]
    assert first["x_mean"] == pytest.approx(102.0) and first["y_mean"] == pytest.approx(0.50)
    assert first["x_std"] == pytest.approx(math.sqrt(8.0))  # (100, 104): sample variance 8
    assert first["y_std"] == pytest.approx(math.sqrt(0.005))
    assert first["n"] == 2
    assert fc["means"][1]["x_std"] is None and fc["means"][1]["n"] == 1


def test_series_split_by_objective_model_type_and_label_fraction() -> None:
    rows = [
        row("1", "conv", 1.0, 0, 10.0, 0.9, fraction=0.1),
        row("2", "conv", 1.0, 0, 11.0, 0.8, fraction=1.0),
        row("3", "fc", 1.0, 0, 12.0, 0.7, fraction=0.1),
        row("4", "fc", 2.0, 0, 13.0, 0.6, fraction=0.1, objective="beta_tcvae"),
    ]
    _, series = tradeoff(rows)
    keys = [(s["objective"], s["model_type"], s["label_fraction"]) for s in series]
    assert keys == [
        ("beta_tcvae", "fc", 0.1),
        ("beta_vae", "conv", 0.1),
        ("beta_vae", "conv", 1.0),
        ("beta_vae", "fc", 0.1),
    ]


def test_a_run_with_a_non_finite_value_is_left_out_of_points_and_means() -> None:
    rows = [
        row("ok", "fc", 1.0, 0, 100.0, 0.5),
        row("nan", "fc", 1.0, 1, float("nan"), 0.9),
        row("inf", "fc", 2.0, 0, 100.0, float("inf")),
    ]
    points, series = tradeoff(rows)
    assert [p["run_id"] for p in points] == ["ok"]
    assert [(m["strength"], m["n"], m["y_mean"]) for m in series[0]["means"]] == [(1.0, 1, 0.5)]


def test_no_rows_give_no_points_and_no_series() -> None:
    assert tradeoff([]) == ([], [])
