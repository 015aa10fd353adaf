"""FactorVAE disentanglement score (Kim & Mnih 2018): majority vote on the least-varying latent."""

from __future__ import annotations

import numpy as np

from vae_core.metrics.utils import GroundTruth, Represent, encode_factors


def factor_vae_votes(
    ground_truth: GroundTruth,
    represent: Represent,
    num_points: int,
    rng: np.random.Generator,
    global_variances: np.ndarray,
    active: np.ndarray,
    batch_size: int = 64,
    chunk_size: int = 20_000,
) -> np.ndarray:
    """Vote counts [num_factors, num_active]: fixed factor vs. latent of least relative variance.

    Matches disentanglement_lib's factor_vae._generate_training_batch: per vote one factor is
    fixed (uniform over all factors) across a batch of 64; local variances (ddof=1) are divided
    by the global ones over the active dimensions and the arg-min is the vote.
    """
    num_factors = ground_truth.num_factors
    votes = np.zeros((num_factors, int(active.sum())), dtype=np.int64)
    per_chunk = max(1, chunk_size // batch_size)  # votes per rendered chunk
    for start in range(0, num_points, per_chunk):
        k = min(per_chunk, num_points - start)
        fixed = rng.integers(0, num_factors, k)  # [k]
        factors = ground_truth.sample_factors(k * batch_size, rng)
        factors = factors.reshape(k, batch_size, num_factors)
        rows = np.arange(k)
        factors[rows, :, fixed] = factors[rows, 0, fixed][:, None]  # fixed across the batch
        codes = encode_factors(ground_truth, represent, factors, chunk_size)
        # codes: [k, batch_size, num_latents]
        local = np.var(codes, axis=1, ddof=1)  # [k, num_latents]
        argmin = np.argmin(local[:, active] / global_variances[active], axis=1)  # [k]
        np.add.at(votes, (fixed, argmin), 1)
    return votes


def compute_factor_vae(
    ground_truth: GroundTruth,
    represent: Represent,
    seed: int,
    batch_size: int = 64,
    num_train: int = 10_000,
    num_eval: int = 5_000,
    num_variance_estimate: int = 10_000,
    prune_threshold: float = 0.05,
    chunk_size: int = 20_000,
) -> dict[str, float]:
    """FactorVAE score: accuracy of the majority-vote classifier on held-out votes.

    Matches disentanglement_lib's compute_factor_vae with its shipped defaults: global variances
    (ddof=1) from 10,000 samples, a latent is active when its std >= 0.05 (prune_dims.threshold),
    batch 64, 10,000 train / 5,000 eval votes; no active latent scores 0. Unlike dlib (which
    reports the mask length), num_active_dims counts the active latents.
    """
    rng = np.random.default_rng(seed)
    sample = ground_truth.sample_factors(num_variance_estimate, rng)
    global_variances = np.var(
        encode_factors(ground_truth, represent, sample, chunk_size), axis=0, ddof=1
    )  # [num_latents]
    active = np.sqrt(global_variances) >= prune_threshold  # [num_latents]
    if not active.any():
        return {"factor_vae": 0.0, "train_accuracy": 0.0, "num_active_dims": 0.0}
    train = factor_vae_votes(
        ground_truth, represent, num_train, rng, global_variances, active, batch_size, chunk_size
    )  # [num_factors, num_active]
    classifier = np.argmax(train, axis=0)  # [num_active] factor predicted per latent
    cols = np.arange(train.shape[1])
    evals = factor_vae_votes(
        ground_truth, represent, num_eval, rng, global_variances, active, batch_size, chunk_size
    )
    return {
        "factor_vae": float(evals[classifier, cols].sum() / evals.sum()),
        "train_accuracy": float(train[classifier, cols].sum() / train.sum()),
        "num_active_dims": float(active.sum()),
    }
