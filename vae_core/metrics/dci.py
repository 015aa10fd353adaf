"""DCI disentanglement, completeness and informativeness (Eastwood & Williams 2018)."""

from __future__ import annotations

import os

import numpy as np
import scipy.stats
from joblib import Parallel, delayed
from sklearn.ensemble import GradientBoostingClassifier


def _fit_factor(
    codes_train: np.ndarray,
    y_train: np.ndarray,
    codes_test: np.ndarray,
    y_test: np.ndarray,
    seed: int,
) -> tuple[np.ndarray, float, float]:
    """One gradient-boosted classifier for one factor: importances and train/test accuracy."""
    model = GradientBoostingClassifier(random_state=seed)
    model.fit(codes_train, y_train)
    train_acc = float(np.mean(model.predict(codes_train) == y_train))
    test_acc = float(np.mean(model.predict(codes_test) == y_test))
    return np.abs(model.feature_importances_), train_acc, test_acc  # [num_latents], acc, acc


def importance_matrix(
    codes_train: np.ndarray,
    factors_train: np.ndarray,
    codes_test: np.ndarray,
    factors_test: np.ndarray,
    seed: int = 0,
    n_jobs: int | None = None,
) -> tuple[np.ndarray, float, float]:
    """Feature importances of one GBT classifier per factor, fitted in parallel processes.

    Matches disentanglement_lib's compute_importance_gbt (GradientBoostingClassifier with
    default parameters; here seeded with `seed`). Returns ([num_latents, num_factors],
    mean train accuracy, mean test accuracy).
    """
    num_factors = factors_train.shape[1]
    if n_jobs is None:
        n_jobs = min(os.cpu_count() or 1, num_factors)
    # GBT fits one tree per class per stage: start the factors with most classes first
    order = np.argsort([-len(np.unique(factors_train[:, j])) for j in range(num_factors)])
    done = Parallel(n_jobs=n_jobs)(
        delayed(_fit_factor)(codes_train, factors_train[:, j], codes_test, factors_test[:, j], seed)
        for j in order
    )
    fits = [done[i] for i in np.argsort(order)]  # back to factor order
    matrix = np.stack([f[0] for f in fits], axis=1)  # [num_latents, num_factors]
    return matrix, float(np.mean([f[1] for f in fits])), float(np.mean([f[2] for f in fits]))


def disentanglement(matrix: np.ndarray) -> float:
    """Importance-weighted mean over latents of 1 - entropy(row, base=num_factors).

    Matches disentanglement_lib's dci.disentanglement (1e-11 added before the entropy; an
    all-zero matrix weights latents equally).
    """
    per_code = 1.0 - scipy.stats.entropy(matrix.T + 1e-11, base=matrix.shape[1])  # [num_latents]
    if matrix.sum() == 0.0:
        matrix = np.ones_like(matrix)
    weight = matrix.sum(axis=1) / matrix.sum()  # [num_latents]
    return float(np.sum(per_code * weight))


def completeness(matrix: np.ndarray) -> float:
    """Importance-weighted mean over factors of 1 - entropy(column, base=num_latents).

    Matches disentanglement_lib's dci.completeness (weights are each factor's share of the
    total importance, which is 1/num_factors for GBT importances).
    """
    per_factor = 1.0 - scipy.stats.entropy(matrix + 1e-11, base=matrix.shape[0])  # [num_factors]
    if matrix.sum() == 0.0:
        matrix = np.ones_like(matrix)
    weight = matrix.sum(axis=0) / matrix.sum()  # [num_factors]
    return float(np.sum(per_factor * weight))


def compute_dci(
    codes_train: np.ndarray,
    factors_train: np.ndarray,
    codes_test: np.ndarray,
    factors_test: np.ndarray,
    seed: int = 0,
    n_jobs: int | None = None,
) -> dict[str, float]:
    """DCI scores from gradient-boosted-tree importances.

    Matches disentanglement_lib's _compute_dci (dlib samples 10,000 train / 5,000 test points);
    informativeness is mean classification accuracy over factors. `n_jobs` processes fit the
    factors in parallel (default: one per factor, at most the CPU count).
    """
    matrix, train_acc, test_acc = importance_matrix(
        codes_train, factors_train, codes_test, factors_test, seed=seed, n_jobs=n_jobs
    )
    return {
        "disentanglement": disentanglement(matrix),
        "completeness": completeness(matrix),
        "informativeness_train": train_acc,
        "informativeness_test": test_acc,
    }
