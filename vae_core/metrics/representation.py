"""Encoder-based representation functions: images in, codes out, in large no-grad batches."""

from __future__ import annotations

import numpy as np
import torch

from vae_core.data.images import ImageSet
from vae_core.metrics.utils import Represent
from vae_core.models import BetaVAE
from vae_core.noise import salt_and_pepper


def encode_batches(
    model: BetaVAE,
    images: np.ndarray,
    *,
    device: str = "cpu",
    batch_size: int = 5000,
    sample: bool = False,
    generator: torch.Generator | None = None,
    corrupt: float = 0.0,
) -> np.ndarray:
    """Codes [N, latent] for float images (N, 1, H, W) or (N, H, W): encoder mean, or a sample.

    Sampling draws z = mu + sigma * eps with `generator` (on the CPU, so runs are reproducible).
    `corrupt` > 0 salt-and-peppers every input with that amount first, as the original code did
    when it evaluated its denoising models (PROTOCOL §2); the default is clean inputs.
    """
    model.eval()
    parts = []
    with torch.no_grad():
        for start in range(0, images.shape[0], batch_size):
            chunk = images[start : start + batch_size]
            if chunk.dtype == np.bool_ and corrupt == 0.0 and hasattr(model, "encode_binary"):
                # Binary ground-truth renders: the model's sparse-aware encoder, same map.
                mu, logvar = model.encode_binary(chunk)
            else:
                x = torch.from_numpy(np.ascontiguousarray(chunk)).to(dtype=torch.float32)
                if corrupt > 0.0:
                    x = salt_and_pepper(x, corrupt, generator, fraction=1.0)
                x = x.to(device=device)
                if x.dim() == 3:
                    x = x.unsqueeze(1)  # (B, 1, H, W)
                mu, logvar = model.encode(x)  # each (B, latent)
            if sample:
                eps = torch.randn(mu.shape, generator=generator).to(mu.device)
                mu = mu + torch.exp(0.5 * logvar) * eps
            parts.append(mu.float().cpu().numpy())
    return np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)


def make_represent(
    model: BetaVAE,
    *,
    device: str = "cpu",
    batch_size: int = 5000,
    sample: bool = False,
    seed: int = 0,
    corrupt: float = 0.0,
) -> Represent:
    """A represent(images (N, H, W)) -> codes (N, latent) function for ground-truth metrics."""
    generator = torch.Generator().manual_seed(seed)

    def represent(images: np.ndarray) -> np.ndarray:
        return encode_batches(
            model,
            images,
            device=device,
            batch_size=batch_size,
            sample=sample,
            generator=generator,
            corrupt=corrupt,
        )

    return represent


def encode_imageset(
    model: BetaVAE,
    images: ImageSet,
    *,
    device: str = "cpu",
    batch_size: int = 5000,
    sample: bool = False,
    seed: int = 0,
    corrupt: float = 0.0,
) -> np.ndarray:
    """Codes [N, latent] of an ImageSet, unpacked to floats one batch at a time."""
    generator = torch.Generator().manual_seed(seed)
    parts = [
        encode_batches(
            model,
            images.floats(slice(start, start + batch_size)),
            device=device,
            batch_size=batch_size,
            sample=sample,
            generator=generator,
            corrupt=corrupt,
        )
        for start in range(0, len(images), batch_size)
    ]
    return np.concatenate(parts)
