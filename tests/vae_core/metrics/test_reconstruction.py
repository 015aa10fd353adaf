import math

import numpy as np
import pytest

from tests.utils.tiny_vae import ConstantVAE
from vae_core.data.images import ImageSet
from vae_core.metrics.reconstruction import compute_reconstruction

pytestmark = pytest.mark.numerics


def binary_images(n: int, seed: int = 0) -> ImageSet:
    bits = np.random.default_rng(seed).integers(0, 2, size=(n, 8, 8)).astype(bool)
    return ImageSet(np.packbits(bits.reshape(n, -1), axis=1), (8, 8), packed=True)


def test_zero_logits_give_closed_form_costs():
    # logits 0 -> p = 0.5 everywhere: cross-entropy 64 ln 2, |0.5 - x| = 0.5 -> L2 = 0.5 * 8
    # mu = mean pixel * [0, 1, 2], log sigma^2 = 0 -> KL = 0.5 * sum(mu^2)
    images = binary_images(50)
    mean_pixel = images.floats().reshape(50, -1).mean(axis=1)
    expected_kl = float(np.mean(0.5 * 5.0 * mean_pixel**2))
    scores = compute_reconstruction(ConstantVAE(), images, beta=2.0, batch_size=16, sample=False)
    assert scores["recon_loss"] == pytest.approx(64 * math.log(2), rel=1e-5)
    assert scores["recon_l2"] == pytest.approx(4.0, rel=1e-5)
    assert scores["kl"] == pytest.approx(expected_kl, rel=1e-5)
    assert scores["total_cost"] == pytest.approx(64 * math.log(2) + 2.0 * expected_kl, rel=1e-5)


def test_batching_does_not_change_the_result():
    images = binary_images(37, seed=1)
    a = compute_reconstruction(ConstantVAE(), images, batch_size=5, seed=3)
    b = compute_reconstruction(ConstantVAE(), images, batch_size=100, seed=3)
    assert a == pytest.approx(b, rel=1e-5)
