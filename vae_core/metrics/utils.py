"""Helpers shared by the metrics: discretisation, mutual information, chunked encoding."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
from sklearn.metrics import mutual_info_score

Represent = Callable[[np.ndarray], np.ndarray]  # images (N, H, W) -> codes (N, num_latents)


class GroundTruth(Protocol):
    """The ground-truth dataset interface the sampling metrics need."""

    @property
    def factor_sizes(self) -> tuple[int, ...]: ...

    @property
    def num_factors(self) -> int: ...

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray: ...

    def render(self, factors: np.ndarray) -> np.ndarray: ...


def histogram_discretize(codes: np.ndarray, num_bins: int = 20) -> np.ndarray:
    """Equal-width bin index of every code value, per latent.

    Matches disentanglement_lib's _histogram_discretize: bin edges from np.histogram over the
    latent's own range, np.digitize against all edges but the last (indices 1..num_bins).
    """
    codes = np.asarray(codes, dtype=np.float64)  # [N, num_latents]
    out = np.zeros(codes.shape, dtype=np.int64)
    for j in range(codes.shape[1]):  # one histogram per latent, not per point
        edges = np.histogram(codes[:, j], num_bins)[1]
        out[:, j] = np.digitize(codes[:, j], edges[:-1])
    return out  # [N, num_latents]


def discrete_mutual_info(codes: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """Mutual information in nats between every discrete code and every factor.

    Matches disentanglement_lib's discrete_mutual_info (sklearn mutual_info_score).
    """
    num_latents, num_factors = codes.shape[1], factors.shape[1]
    mi = np.zeros((num_latents, num_factors))  # [num_latents, num_factors]
    for i in range(num_latents):
        for j in range(num_factors):
            mi[i, j] = mutual_info_score(factors[:, j], codes[:, i])
    return mi


def discrete_entropy(factors: np.ndarray) -> np.ndarray:
    """Entropy in nats of each discrete factor; matches disentanglement_lib's discrete_entropy."""
    return np.array(
        [mutual_info_score(factors[:, j], factors[:, j]) for j in range(factors.shape[1])]
    )  # [num_factors]


def normalize(
    codes: np.ndarray, mean: np.ndarray | None = None, std: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standardise codes per latent with the given (or their own) mean and std.

    Matches disentanglement_lib's utils.normalize_data, except that a zero std is replaced by 1
    so a constant latent maps to 0 instead of NaN.
    """
    mean = codes.mean(axis=0) if mean is None else mean  # [num_latents]
    std = codes.std(axis=0) if std is None else std  # [num_latents]
    safe = np.where(std > 0, std, 1.0)
    return (codes - mean) / safe, mean, std


def encode_factors(
    ground_truth: GroundTruth,
    represent: Represent,
    factors: np.ndarray,
    chunk_size: int = 20_000,
) -> np.ndarray:
    """Render and encode factor rows in chunks, so memory stays bounded for large samples."""
    flat = factors.reshape(-1, factors.shape[-1])  # [N, num_factors]
    parts = [
        np.asarray(represent(ground_truth.render(flat[start : start + chunk_size])))
        for start in range(0, flat.shape[0], chunk_size)
    ]
    codes = np.concatenate(parts, axis=0)  # [N, num_latents]
    return codes.reshape(*factors.shape[:-1], codes.shape[-1])
