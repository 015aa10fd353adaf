import numpy as np
import pytest

from vae_core.metrics.sap import compute_sap, score_matrix

pytestmark = pytest.mark.numerics


def test_continuous_scores_are_squared_correlations():
    # z0 = y exactly (score 1); z1 = [1,-1,-1,1] is uncorrelated with y (score 0); z2 constant
    y = np.array([[0.0], [1.0], [2.0], [3.0]])
    codes = np.stack([y[:, 0], [1.0, -1.0, -1.0, 1.0], [5.0] * 4], axis=1)
    scores = score_matrix(codes, y, codes, y, continuous_factors=True)
    assert scores[:, 0] == pytest.approx([1.0, 0.0, 0.0])
    assert compute_sap(codes, y, codes, y, continuous_factors=True)["sap"] == pytest.approx(1.0)


def test_ground_truth_codes_score_high(factor_sample):
    f_train, f_test = factor_sample
    c_train, c_test = f_train.astype(float), f_test.astype(float)
    assert compute_sap(c_train, f_train, c_test, f_test)["sap"] > 0.3


def test_constant_codes_score_zero(factor_sample):
    f_train, f_test = factor_sample
    sap = compute_sap(np.zeros((600, 5)), f_train, np.zeros((400, 5)), f_test)["sap"]
    assert sap == pytest.approx(0.0)


def test_duplicated_latent_removes_its_factors_gap(factor_sample):
    f_train, f_test = factor_sample
    c_train, c_test = f_train.astype(float), f_test.astype(float)
    dup_train = np.concatenate([c_train, c_train[:, 1:2]], axis=1)
    dup_test = np.concatenate([c_test, c_test[:, 1:2]], axis=1)
    base = compute_sap(c_train, f_train, c_test, f_test)["sap"]
    assert compute_sap(dup_train, f_train, dup_test, f_test)["sap"] < base - 0.02


def test_permuting_latents_leaves_sap_unchanged(factor_sample):
    f_train, f_test = factor_sample
    c_train, c_test = f_train.astype(float), f_test.astype(float)
    perm = np.array([4, 3, 2, 0, 1])
    base = compute_sap(c_train, f_train, c_test, f_test)["sap"]
    permuted = compute_sap(c_train[:, perm], f_train, c_test[:, perm], f_test)["sap"]
    assert permuted == pytest.approx(base, abs=1e-9)
