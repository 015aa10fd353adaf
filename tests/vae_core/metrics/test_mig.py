import math

import numpy as np
import pytest

from vae_core.metrics.mig import compute_mig
from vae_core.metrics.utils import histogram_discretize

pytestmark = pytest.mark.numerics


def test_histogram_discretize_uses_equal_width_bins_per_latent():
    codes = np.array([[0.0, 10.0], [0.49, 10.0], [0.51, 20.0], [1.0, 30.0]])
    bins = histogram_discretize(codes, num_bins=2)
    assert bins[:, 0].tolist() == [1, 1, 2, 2]
    assert bins[:, 1].tolist() == [1, 1, 2, 2]


def test_mig_matches_hand_computed_value():
    # factor [0,0,1,1]; latent 0 copies it, latent 1 = [0,0,0,1]
    # MI(f, z1) = 1 + H(.75,.25) - H(.5,.25,.25) bits = 0.3113 bits; H(f) = 1 bit
    factors = np.array([[0], [0], [1], [1]])
    codes = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    h = -(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25))
    expected = 1.0 - (1.0 + h - 1.5)
    assert compute_mig(codes, factors, num_bins=2)["mig"] == pytest.approx(expected, abs=1e-9)


def test_ground_truth_codes_score_near_one(factor_sample):
    factors, _ = factor_sample
    assert compute_mig(factors.astype(float), factors)["mig"] > 0.9


def test_constant_codes_score_zero(factor_sample):
    factors, _ = factor_sample
    assert compute_mig(np.zeros((len(factors), 5)), factors)["mig"] == pytest.approx(0.0)


def test_random_codes_score_near_zero(factor_sample):
    factors, _ = factor_sample
    codes = np.random.default_rng(1).normal(size=(len(factors), 5))
    assert compute_mig(codes, factors)["mig"] < 0.1


def test_duplicated_latent_lowers_mig(factor_sample):
    factors, _ = factor_sample
    codes = factors.astype(float)
    duplicated = np.concatenate([codes, codes[:, :1]], axis=1)
    assert compute_mig(duplicated, factors)["mig"] < compute_mig(codes, factors)["mig"] - 0.15


def test_permuting_latents_leaves_mig_unchanged(factor_sample):
    factors, _ = factor_sample
    codes = factors + np.random.default_rng(2).normal(scale=0.3, size=factors.shape)
    perm = np.array([3, 0, 4, 1, 2])
    assert compute_mig(codes[:, perm], factors)["mig"] == pytest.approx(
        compute_mig(codes, factors)["mig"], abs=1e-12
    )
