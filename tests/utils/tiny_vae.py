"""A tiny deterministic stand-in VAE whose outputs are known in closed form."""

from __future__ import annotations

import torch


class ConstantVAE(torch.nn.Module):
    """Encoder mu = (mean pixel) * scale per latent, log sigma^2 = 0; decoder logits = 0."""

    def __init__(self, latent_dim: int = 3, image_shape: tuple[int, int] = (8, 8)):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.arange(latent_dim, dtype=torch.float32))
        self.image_shape = image_shape

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu = x.flatten(1).mean(dim=1, keepdim=True) * self.scale  # (B, latent)
        return mu, torch.zeros_like(mu)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.zeros(z.shape[0], 1, *self.image_shape) + 0.0 * z.sum(dim=1).view(-1, 1, 1, 1)
