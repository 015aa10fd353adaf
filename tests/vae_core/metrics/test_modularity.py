import numpy as np
import pytest

from vae_core.metrics.modularity import compute_modularity_explicitness, modularity

pytestmark = pytest.mark.numerics


def test_modularity_matches_hand_computed_rows():
    # row [2, 1, 0]: squared [4, 1, 0], delta = 1 / (4 * 2) -> 0.875; one-hot row -> 1;
    # all-zero row -> 0 (dlib's convention)
    mi = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 0.0]])
    assert modularity(mi) == pytest.approx((0.875 + 1.0 + 0.0) / 3)


def test_latent_informative_about_all_factors_equally_has_zero_modularity():
    assert modularity(np.array([[1.0, 1.0]])) == pytest.approx(0.0)


def test_ground_truth_codes_are_modular_and_explicit(factor_sample):
    f_train, f_test = factor_sample
    scores = compute_modularity_explicitness(
        f_train.astype(float), f_train, f_test.astype(float), f_test
    )
    assert scores["modularity"] > 0.95
    assert scores["explicitness_test"] > 0.8


def test_random_codes_are_not_explicit(factor_sample):
    f_train, f_test = factor_sample
    rng = np.random.default_rng(5)
    scores = compute_modularity_explicitness(
        rng.normal(size=(600, 5)), f_train, rng.normal(size=(400, 5)), f_test
    )
    assert 0.4 < scores["explicitness_test"] < 0.6  # ROC AUC of chance is 0.5


def test_permuting_latents_leaves_scores_unchanged(factor_sample):
    f_train, f_test = factor_sample
    rng = np.random.default_rng(6)
    c_train = f_train + rng.normal(scale=0.5, size=f_train.shape)
    c_test = f_test + rng.normal(scale=0.5, size=f_test.shape)
    perm = np.array([1, 0, 3, 4, 2])
    base = compute_modularity_explicitness(c_train, f_train, c_test, f_test)
    permuted = compute_modularity_explicitness(c_train[:, perm], f_train, c_test[:, perm], f_test)
    for key, value in base.items():
        assert permuted[key] == pytest.approx(value, abs=1e-4), key
