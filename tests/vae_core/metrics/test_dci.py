import numpy as np
import pytest

from vae_core.metrics.dci import completeness, compute_dci, disentanglement, importance_matrix

pytestmark = pytest.mark.numerics


def test_identity_importance_is_fully_disentangled_and_complete():
    matrix = np.eye(3)
    assert disentanglement(matrix) == pytest.approx(1.0, abs=1e-6)
    assert completeness(matrix) == pytest.approx(1.0, abs=1e-6)


def test_uniform_importance_scores_zero():
    matrix = np.ones((2, 2))
    assert disentanglement(matrix) == pytest.approx(0.0, abs=1e-6)
    assert completeness(matrix) == pytest.approx(0.0, abs=1e-6)


def test_two_latents_for_one_factor_are_disentangled_but_incomplete():
    # each latent explains only factor 0 (D = 1); factor 0 is split evenly over both (C = 0)
    matrix = np.array([[1.0, 0.0], [1.0, 0.0]])
    assert disentanglement(matrix) == pytest.approx(1.0, abs=1e-6)
    assert completeness(matrix) == pytest.approx(0.0, abs=1e-6)


def test_ground_truth_codes_score_near_one(factor_sample):
    f_train, f_test = factor_sample
    scores = compute_dci(f_train.astype(float), f_train, f_test.astype(float), f_test, n_jobs=1)
    assert scores["disentanglement"] > 0.9
    assert scores["completeness"] > 0.9
    assert scores["informativeness_test"] == pytest.approx(1.0)


def test_random_codes_are_uninformative(factor_sample):
    f_train, f_test = factor_sample
    rng = np.random.default_rng(3)
    scores = compute_dci(
        rng.normal(size=(300, 5)), f_train[:300], rng.normal(size=(400, 5)), f_test, n_jobs=1
    )
    assert scores["informativeness_test"] < 0.45  # chance over these factors is ~0.24
    assert scores["disentanglement"] < 0.5


def test_permuting_latents_leaves_scores_unchanged_and_two_jobs_agree(factor_sample):
    f_train, f_test = factor_sample[0][:300], factor_sample[1][:200]
    rng = np.random.default_rng(4)
    c_train = f_train + rng.normal(scale=0.4, size=f_train.shape)
    c_test = f_test + rng.normal(scale=0.4, size=f_test.shape)
    perm = np.array([2, 4, 0, 1, 3])
    base = compute_dci(c_train, f_train, c_test, f_test, n_jobs=1)
    permuted = compute_dci(c_train[:, perm], f_train, c_test[:, perm], f_test, n_jobs=2)
    for key, value in base.items():
        assert permuted[key] == pytest.approx(value, abs=0.02), key


def test_importance_columns_stay_in_factor_order(factor_sample):
    # factors are fitted largest-first (sizes 3,4,5,4,6); column j must still be factor j
    f_train, f_test = factor_sample[0][:300], factor_sample[1][:100]
    matrix, _, _ = importance_matrix(
        f_train.astype(float), f_train, f_test.astype(float), f_test, n_jobs=1
    )
    assert matrix.argmax(axis=0).tolist() == [0, 1, 2, 3, 4]
