"""The β-VAE cost (PROTOCOL §2): Bernoulli reconstruction + β · analytic Gaussian KL."""

from __future__ import annotations

import torch
import torch.nn.functional as F

KL_BETA_MIN = 1e-3  # below this β the KL term is left out of the cost, as in the paper's code


def at_least_fp32(t: torch.Tensor) -> torch.Tensor:
    """bf16 results (autocast) as float32; float32 and float64 tensors unchanged."""
    return t if t.dtype in (torch.float32, torch.float64) else t.float()


def kl_per_example(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, σ²) || N(0, I)) per example: ½ Σ (μ² + σ² − log σ² − 1), shape (B,)."""
    return 0.5 * (mu.square() + logvar.exp() - logvar - 1.0).sum(dim=1)


def recon_per_example(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Sigmoid cross-entropy summed over pixels, shape (B,)."""
    bce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")  # (B, 1, H, W)
    return bce.flatten(1).sum(dim=1)


def vae_loss(
    logits: torch.Tensor,
    target: torch.Tensor,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    beta: float,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(total, recon, kl), each a batch mean; total = recon + β·kl, or recon alone for β < 1e-3.

    Computed in float32 even when the forward pass ran under bf16 autocast (in float64 for a
    float64 model).
    """
    logits, mu, logvar = at_least_fp32(logits), at_least_fp32(mu), at_least_fp32(logvar)
    # sum / B equals the mean of per-example sums, without a (B, H*W) intermediate to reduce
    recon = F.binary_cross_entropy_with_logits(logits, at_least_fp32(target), reduction="sum")
    recon = recon / logits.shape[0]
    kl = kl_per_example(mu, logvar).mean()
    total = recon if beta < KL_BETA_MIN else recon + beta * kl
    return total, recon, kl
