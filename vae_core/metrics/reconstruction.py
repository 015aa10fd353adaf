"""Reconstruction quality on a held-out split: cost terms and the paper's L2 accuracy."""

from __future__ import annotations

import numpy as np
import torch

from vae_core.data.images import ImageSet
from vae_core.losses import kl_per_example, recon_per_example
from vae_core.models import BetaVAE


def compute_reconstruction(
    model: BetaVAE,
    images: ImageSet,
    *,
    beta: float = 1.0,
    device: str = "cpu",
    batch_size: int = 1000,
    sample: bool = True,
    seed: int = 0,
) -> dict[str, float]:
    """Mean per-image reconstruction cross-entropy, KL, total cost and L2 reconstruction error.

    The cost follows the training loss (PROTOCOL §2, z sampled with a seeded generator unless
    `sample=False`); total_cost = recon + beta * kl, with beta=1 the negative ELBO.
    recon_l2 is the paper's "reconstruction accuracy": mean over images of the L2 norm of
    sigmoid(logits) - target.
    """
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    sums = np.zeros(3)  # recon, kl, l2 summed over images
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            x = torch.from_numpy(images.floats(slice(start, start + batch_size))).to(device)
            mu, logvar = model.encode(x)  # each (B, latent)
            z = mu
            if sample:
                eps = torch.randn(mu.shape, generator=generator).to(mu.device)
                z = mu + torch.exp(0.5 * logvar) * eps
            logits = model.decode(z).float()  # (B, 1, H, W)
            l2 = (torch.sigmoid(logits) - x).flatten(1).norm(dim=1)  # (B,)
            sums += [
                float(recon_per_example(logits, x).sum()),
                float(kl_per_example(mu.float(), logvar.float()).sum()),
                float(l2.sum()),
            ]
    recon, kl, l2 = sums / max(len(images), 1)
    return {"recon_loss": recon, "kl": kl, "total_cost": recon + beta * kl, "recon_l2": l2}
