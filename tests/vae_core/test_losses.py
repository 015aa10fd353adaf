"""The β-VAE cost: Bernoulli cross-entropy summed over pixels plus β times the analytic KL."""

from __future__ import annotations

import math

import pytest
import torch

from vae_core.losses import vae_loss

pytestmark = pytest.mark.numerics


def test_zero_logits_cost_log2_per_pixel_and_standard_normal_has_no_kl() -> None:
    logits = torch.zeros(4, 1, 8, 8)
    target = torch.randint(0, 2, (4, 1, 8, 8)).float()
    total, recon, kl = vae_loss(logits, target, torch.zeros(4, 3), torch.zeros(4, 3), beta=2.0)
    assert recon.item() == pytest.approx(64 * math.log(2), rel=1e-6)
    assert kl.item() == pytest.approx(0.0, abs=1e-7)
    assert total.item() == pytest.approx(recon.item(), rel=1e-6)


def test_kl_is_analytic_and_averaged_over_the_batch() -> None:
    mu = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    logvar = torch.tensor([[0.0, 0.0], [math.log(2.0), 0.0]])
    # row 0: 0.5 * (1 + 1 - 0 - 1) = 0.5; row 1: 0.5 * (0 + 2 - log 2 - 1)
    expected = (0.5 + 0.5 * (1 - math.log(2.0))) / 2
    _, _, kl = vae_loss(torch.zeros(2, 1, 2, 2), torch.zeros(2, 1, 2, 2), mu, logvar, beta=1.0)
    assert kl.item() == pytest.approx(expected, rel=1e-6)


def test_reconstruction_matches_the_cross_entropy_formula() -> None:
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 1, 5, 5, generator=gen)
    target = torch.rand(3, 1, 5, 5, generator=gen)
    p = torch.sigmoid(logits.double())
    by_hand = -(target * p.log() + (1 - target) * (1 - p).log()).sum(dim=(1, 2, 3)).mean()
    _, recon, _ = vae_loss(logits, target, torch.zeros(3, 2), torch.zeros(3, 2), beta=0.0)
    assert recon.item() == pytest.approx(by_hand.item(), rel=1e-5)


def test_total_is_recon_plus_beta_kl_and_drops_kl_below_1e_3() -> None:
    gen = torch.Generator().manual_seed(1)
    logits, target = torch.randn(6, 1, 4, 4, generator=gen), torch.rand(6, 1, 4, 4, generator=gen)
    mu, logvar = torch.randn(6, 5, generator=gen), torch.randn(6, 5, generator=gen)
    total, recon, kl = vae_loss(logits, target, mu, logvar, beta=2.5)
    assert total.item() == pytest.approx(recon.item() + 2.5 * kl.item(), rel=1e-6)
    total0, recon0, kl0 = vae_loss(logits, target, mu, logvar, beta=5e-4)
    assert total0.item() == recon0.item() and kl0.item() > 0


def test_bf16_inputs_are_costed_in_float32() -> None:
    logits = torch.randn(2, 1, 4, 4).bfloat16()
    total, recon, kl = vae_loss(
        logits,
        torch.ones(2, 1, 4, 4),
        torch.zeros(2, 3).bfloat16(),
        torch.zeros(2, 3).bfloat16(),
        beta=1.0,
    )
    assert total.dtype == recon.dtype == kl.dtype == torch.float32
