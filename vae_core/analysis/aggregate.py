"""Aggregate per-run scores into curves over beta: mean, std, bootstrap CI, Spearman trend."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import scipy.stats


def _usable(row: dict) -> bool:
    """A completed run with a finite value; anything else is excluded from the statistics."""
    value = row.get("value")
    return row.get("status") == "completed" and value is not None and math.isfinite(value)


def bootstrap_ci(
    values: np.ndarray, rng: np.random.Generator, n_boot: int = 1000, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean, all resamples drawn at once."""
    idx = rng.integers(0, values.shape[0], size=(n_boot, values.shape[0]))  # [n_boot, n]
    means = values[idx].mean(axis=1)  # [n_boot]
    tail = 100.0 * (1.0 - level) / 2.0
    low, high = np.percentile(means, [tail, 100.0 - tail])
    return float(low), float(high)


def summarise(values: list[float], bootstrap_seed: int = 0, n_boot: int = 1000) -> dict:
    """Mean, sample std (ddof=1), n, 95% bootstrap CI of the mean and the raw values.

    One run has a mean but no spread: its std and CI are None (undefined), not 0 and a point
    interval, which would claim a certainty one seed cannot give.
    """
    arr = np.asarray(values, dtype=np.float64)
    n = arr.shape[0]
    if n <= 1:
        return {
            "mean": float(arr[0]) if n else None,
            "std": None,
            "n": n,
            "ci_low": None,
            "ci_high": None,
            "values": [float(v) for v in arr],
        }
    low, high = bootstrap_ci(arr, np.random.default_rng(bootstrap_seed), n_boot)
    return {
        "mean": float(arr.mean()),
        "std": float(arr.std(ddof=1)),
        "n": n,
        "ci_low": low,
        "ci_high": high,
        "values": [float(v) for v in arr],
    }


def spearman_trend(betas: list[float], values: list[float]) -> tuple[float | None, float | None]:
    """Spearman rho and p-value of value against beta over single runs.

    None for both when there are fewer than 3 distinct betas or either side is constant.
    """
    if len(set(betas)) < 3 or len(set(values)) < 2:
        return None, None
    result = scipy.stats.spearmanr(betas, values)
    return float(result.statistic), float(result.pvalue)


def curve(
    rows: list[dict], bootstrap_seed: int = 0, n_boot: int = 1000
) -> tuple[list[dict], list[dict]]:
    """Points per (model_type, label_fraction, beta) and a Spearman trend per curve.

    Rows are {"model_type", "beta", "seed", "label_fraction", "value", "status"}. Only completed
    runs with a finite value count; the rest are excluded and counted in each point's
    "n_excluded" (a point whose runs all failed has n=0 and None statistics). Raw values are
    sorted by seed. Every point's bootstrap uses a fresh generator seeded with `bootstrap_seed`,
    so a point's CI does not depend on which other points exist.
    """
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        key = (row["model_type"], row.get("label_fraction"), float(row["beta"]))
        groups[key].append(row)
    points: list[dict] = []
    per_curve: dict[tuple, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for (model_type, fraction, beta), members in sorted(groups.items(), key=_group_key):
        usable = sorted((r for r in members if _usable(r)), key=lambda r: r["seed"])
        values = [float(r["value"]) for r in usable]
        point = {"model_type": model_type, "label_fraction": fraction, "beta": beta}
        point.update(summarise(values, bootstrap_seed, n_boot))
        point["n_excluded"] = len(members) - len(usable)
        points.append(point)
        betas_list, values_list = per_curve[(model_type, fraction)]
        betas_list.extend([beta] * len(values))
        values_list.extend(values)
    trend = []
    for (model_type, fraction), (betas, values) in per_curve.items():
        rho, p_value = spearman_trend(betas, values)
        trend.append(
            {
                "model_type": model_type,
                "label_fraction": fraction,
                "spearman_rho": rho,
                "p_value": p_value,
            }
        )
    return points, trend


def _group_key(item: tuple) -> tuple:
    """Sort groups by model type, label fraction (None first), then beta."""
    (model_type, fraction, beta), _ = item
    return (str(model_type), fraction is not None, fraction or 0.0, beta)
