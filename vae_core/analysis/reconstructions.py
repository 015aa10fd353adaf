"""Reconstructions picture: input images in the top row, their reconstructions below."""

from __future__ import annotations

import numpy as np
import torch

from vae_core.analysis.images import grid_png
from vae_core.models import BetaVAE


def reconstructions_png(
    model: BetaVAE, images: np.ndarray, *, device: str = "cpu", scale: int = 1
) -> bytes:
    """PNG with inputs (B, 1, H, W) in [0, 1] above sigmoid(decode(mu)) of each."""
    model.eval()
    with torch.no_grad():
        x = torch.from_numpy(np.asarray(images, dtype=np.float32)).to(device)
        mu, _ = model.encode(x)  # (B, latent)
        out = torch.sigmoid(model.decode(mu).float()).cpu().numpy()  # (B, 1, H, W)
    tiles = np.stack([np.asarray(images, dtype=np.float32)[:, 0], out[:, 0]])  # [2, B, H, W]
    return grid_png(tiles, scale=scale)
