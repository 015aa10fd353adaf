import numpy as np
import pytest

from tests.utils.toy_ground_truth import factor_codes
from vae_core.metrics.factor_vae import compute_factor_vae

pytestmark = pytest.mark.numerics

SMALL = {"batch_size": 16, "num_train": 300, "num_eval": 200, "num_variance_estimate": 500}


def test_ground_truth_codes_score_perfectly(toy):
    scores = compute_factor_vae(toy, factor_codes, seed=0, **SMALL)
    assert scores["factor_vae"] == 1.0
    assert scores["num_active_dims"] == 5


def test_constant_codes_have_no_active_dims_and_score_zero(toy):
    scores = compute_factor_vae(toy, lambda im: np.zeros((len(im), 5)), seed=0, **SMALL)
    assert scores == {"factor_vae": 0.0, "train_accuracy": 0.0, "num_active_dims": 0.0}


def test_latents_below_the_std_threshold_are_pruned(toy):
    # latent 5 varies with std ~0.01 (< 0.05): pruned, so it cannot steal votes
    rng = np.random.default_rng(1)

    def codes(images):
        return np.concatenate(
            [factor_codes(images), 0.01 * rng.normal(size=(len(images), 1))], axis=1
        )

    scores = compute_factor_vae(toy, codes, seed=0, **SMALL)
    assert scores["num_active_dims"] == 5
    assert scores["factor_vae"] == 1.0


def test_noise_codes_score_near_chance(toy):
    rng = np.random.default_rng(2)
    scores = compute_factor_vae(toy, lambda im: rng.normal(size=(len(im), 5)), seed=0, **SMALL)
    assert scores["factor_vae"] < 0.4  # chance: 1/5 (majority vote overfits a little)


def test_permuting_latents_leaves_score_unchanged(toy):
    rng = np.random.default_rng(3)
    mixing = np.eye(5) + rng.normal(scale=0.3, size=(5, 5))
    perm = np.array([4, 2, 0, 3, 1])
    base = compute_factor_vae(toy, lambda im: factor_codes(im) @ mixing, seed=5, **SMALL)
    permuted = compute_factor_vae(
        toy, lambda im: (factor_codes(im) @ mixing)[:, perm], seed=5, **SMALL
    )
    assert permuted["factor_vae"] == pytest.approx(base["factor_vae"])
