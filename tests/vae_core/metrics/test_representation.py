import numpy as np
import pytest

from tests.utils.tiny_vae import ConstantVAE
from vae_core.metrics.representation import make_represent

pytestmark = pytest.mark.numerics


def images(n: int = 40) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 2, size=(n, 8, 8)).astype(bool)


def test_mean_codes_do_not_depend_on_the_batch_size():
    model = ConstantVAE()
    a = make_represent(model, batch_size=7)(images())
    b = make_represent(model, batch_size=100)(images())
    assert a.shape == (40, 3)
    np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(a[:, 1], images().reshape(40, -1).mean(axis=1), rtol=1e-6)


def test_sampled_codes_are_seeded_and_differ_from_the_mean():
    model = ConstantVAE()
    first = make_represent(model, sample=True, seed=1)(images())
    again = make_represent(model, sample=True, seed=1)(images())
    mean = make_represent(model)(images())
    np.testing.assert_array_equal(first, again)
    assert np.abs(first - mean).mean() > 0.5  # sigma = 1: samples scatter around the mean


def test_corrupted_inputs_move_the_codes_reproducibly():
    model = ConstantVAE()
    clean = make_represent(model)(images())
    noisy = make_represent(model, corrupt=0.5, seed=2)(images())
    np.testing.assert_array_equal(noisy, make_represent(model, corrupt=0.5, seed=2)(images()))
    assert not np.allclose(noisy, clean)
