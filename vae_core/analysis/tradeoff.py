"""The cost of disentanglement: one metric against another, a point per run, a mean per strength.

The paper's question is what enforcing disentanglement costs. Plotting a disentanglement score
(y, e.g. change-one) against what it is paid with (x, e.g. the reconstruction cost in nats) for
every run of a grid answers it directly: each objective's runs trace a frontier as its strength
grows. `tradeoff` turns a grid's runs into that picture's data: the runs as points, and for each
series (objective, model type, label fraction) the mean and sample std of x and y at each strength,
in order of strength, which is what a chart joins with a line. Pure: rows in, rows out.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from typing import Any

# An experiment without an `objective` (every one before issue #18) trains β-VAEs.
DEFAULT_OBJECTIVE = "beta_vae"

SeriesKey = tuple[str, str, float | None]  # objective, model type, label fraction


def _std(values: list[float]) -> float | None:
    return statistics.stdev(values) if len(values) > 1 else None


def tradeoff(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Points and series of y against x.

    `rows`: one per completed run with `run_id`, `model_type`, `label_fraction`, `strength`,
    `seed`, `x`, `y` and optionally `objective` (default β-VAE). A run whose x or y is not finite
    is left out of both. Returns (points, series): points sorted by series then strength then
    seed; series sorted by key, each with `means`, one per strength in increasing order, holding
    x_mean, x_std, y_mean, y_std (std None for a single run) and n.
    """
    kept = [
        {**r, "objective": r.get("objective") or DEFAULT_OBJECTIVE}
        for r in rows
        if math.isfinite(float(r["x"])) and math.isfinite(float(r["y"]))
    ]

    def series_key(r: dict[str, Any]) -> tuple[str, str, float]:
        fraction = r["label_fraction"]
        return (r["objective"], r["model_type"], -1.0 if fraction is None else float(fraction))

    kept.sort(key=lambda r: (series_key(r), float(r["strength"]), int(r["seed"])))
    cells: dict[SeriesKey, dict[float, list[dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for r in kept:
        cells[(r["objective"], r["model_type"], r["label_fraction"])][float(r["strength"])].append(
            r
        )
    series = []
    for (objective, model_type, fraction), by_strength in cells.items():
        means = []
        for strength in sorted(by_strength):
            xs = [float(r["x"]) for r in by_strength[strength]]
            ys = [float(r["y"]) for r in by_strength[strength]]
            means.append(
                {
                    "strength": strength,
                    "x_mean": statistics.fmean(xs),
                    "x_std": _std(xs),
                    "y_mean": statistics.fmean(ys),
                    "y_std": _std(ys),
                    "n": len(xs),
                }
            )
        series.append(
            {
                "objective": objective,
                "model_type": model_type,
                "label_fraction": fraction,
                "means": means,
            }
        )
    points = [
        {
            "run_id": r["run_id"],
            "objective": r["objective"],
            "model_type": r["model_type"],
            "label_fraction": r["label_fraction"],
            "strength": float(r["strength"]),
            "seed": int(r["seed"]),
            "x": float(r["x"]),
            "y": float(r["y"]),
        }
        for r in kept
    ]
    return points, series
