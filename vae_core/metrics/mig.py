"""Mutual Information Gap (Chen et al. 2018) of codes against discrete ground-truth factors."""

from __future__ import annotations

import numpy as np

from vae_core.metrics.utils import discrete_entropy, discrete_mutual_info, histogram_discretize


def compute_mig(codes: np.ndarray, factors: np.ndarray, num_bins: int = 20) -> dict[str, float]:
    """MIG: mean over factors of the gap between the two most informative latents, over H(factor).

    Matches disentanglement_lib's _compute_mig: histogram discretisation with 20 bins, mutual
    information in nats, normalised by the factor's entropy (dlib samples 10,000 points).

    Args:
        codes: [N, num_latents] float representations.
        factors: [N, num_factors] int ground-truth factors.
    """
    if codes.shape[1] < 2:
        raise ValueError("MIG needs at least two latents")
    mi = discrete_mutual_info(histogram_discretize(codes, num_bins), factors)
    # mi: [num_latents, num_factors]
    entropy = discrete_entropy(factors)  # [num_factors]
    top = np.sort(mi, axis=0)[::-1]  # [num_latents, num_factors], largest first
    return {"mig": float(np.mean((top[0] - top[1]) / entropy))}
