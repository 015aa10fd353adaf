"""Latent traversal grid: one row per latent, most informative (highest mean KL) first."""

from __future__ import annotations

import numpy as np
import torch

from vae_core.analysis.images import grid_png
from vae_core.models import BetaVAE


def latent_order(mu: torch.Tensor, logvar: torch.Tensor) -> np.ndarray:
    """Latent indices sorted by mean KL to the N(0, I) prior over the batch, largest first."""
    kl = 0.5 * (mu.square() + logvar.exp() - logvar - 1.0)  # (B, latent)
    return np.argsort(-kl.float().mean(dim=0).cpu().numpy(), kind="stable")


def traversal_png(
    model: BetaVAE,
    image: np.ndarray,
    batch: np.ndarray,
    *,
    values: np.ndarray | None = None,
    device: str = "cpu",
    scale: int = 1,
) -> bytes:
    """PNG grid: row r sets latent order[r] of the image's mean code to each of `values`.

    Args:
        image: (1, H, W) or (H, W) float image in [0, 1] whose mean code is traversed.
        batch: (B, 1, H, W) float images that rank the latents by mean KL.
        values: traversal values, default 9 points from -3 to 3.
    """
    values = np.linspace(-3.0, 3.0, 9) if values is None else np.asarray(values)
    model.eval()
    with torch.no_grad():
        x = torch.from_numpy(np.asarray(batch, dtype=np.float32)).to(device)
        order = latent_order(*model.encode(x))  # [latent]
        single = np.asarray(image, dtype=np.float32).reshape(1, 1, *x.shape[2:])
        mu, _ = model.encode(torch.from_numpy(single).to(device))  # (1, latent)
        latent, cols = mu.shape[1], len(values)
        z = mu.float().repeat(latent * cols, 1).reshape(latent, cols, latent)  # (rows, cols, L)
        rows = torch.arange(latent, device=z.device)
        dims = torch.as_tensor(order, device=z.device)
        z[rows, :, dims] = torch.as_tensor(values, dtype=z.dtype, device=z.device)
        out = torch.sigmoid(model.decode(z.reshape(-1, latent)).float())  # (rows*cols, 1, H, W)
    tiles = out.cpu().numpy().reshape(latent, cols, *out.shape[2:])  # [rows, cols, H, W]
    return grid_png(tiles, scale=scale)
