"""Separated Attribute Predictability (Kumar et al. 2018)."""

from __future__ import annotations

import numpy as np
from sklearn.svm import LinearSVC


def score_matrix(
    codes_train: np.ndarray,
    factors_train: np.ndarray,
    codes_test: np.ndarray,
    factors_test: np.ndarray,
    continuous_factors: bool = False,
) -> np.ndarray:
    """How well each single latent predicts each factor.

    Matches disentanglement_lib's sap_score.compute_score_matrix: discrete factors use test
    accuracy of LinearSVC(C=0.01, class_weight="balanced") on the one latent; continuous factors
    use the squared correlation cov^2 / (var_code * var_factor), 0 for a latent with no variance.
    """
    num_latents, num_factors = codes_train.shape[1], factors_train.shape[1]
    scores = np.zeros((num_latents, num_factors))  # [num_latents, num_factors]
    if continuous_factors:
        codes = codes_train - codes_train.mean(axis=0)  # [N, num_latents]
        ys = factors_train - factors_train.mean(axis=0)  # [N, num_factors]
        n = codes.shape[0] - 1
        cov = codes.T @ ys / n  # [num_latents, num_factors]
        var_code = (codes**2).sum(axis=0) / n  # [num_latents]
        var_y = (ys**2).sum(axis=0) / n  # [num_factors]
        active = var_code > 1e-12
        scores[active] = cov[active] ** 2 / (var_code[active, None] * var_y[None, :])
        return scores
    for i in range(num_latents):
        for j in range(num_factors):
            clf = LinearSVC(C=0.01, class_weight="balanced")
            clf.fit(codes_train[:, i : i + 1], factors_train[:, j])
            pred = clf.predict(codes_test[:, i : i + 1])
            scores[i, j] = np.mean(pred == factors_test[:, j])
    return scores


def compute_sap(
    codes_train: np.ndarray,
    factors_train: np.ndarray,
    codes_test: np.ndarray,
    factors_test: np.ndarray,
    continuous_factors: bool = False,
) -> dict[str, float]:
    """SAP: mean over factors of the gap between the two best single-latent scores.

    Matches disentanglement_lib's _compute_sap / compute_avg_diff_top_two (dlib samples
    10,000 train / 5,000 test points).
    """
    scores = score_matrix(codes_train, factors_train, codes_test, factors_test, continuous_factors)
    top = np.sort(scores, axis=0)  # [num_latents, num_factors], ascending
    return {"sap": float(np.mean(top[-1] - top[-2]))}
