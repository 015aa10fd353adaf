"""Salt-and-pepper corruption for the denoising VAEs (PROTOCOL §2), on tensors, seeded."""

from __future__ import annotations

import torch

from vae_core.models import BetaVAE


def salt_and_pepper(
    x: torch.Tensor,
    amount: float,
    generator: torch.Generator | None,
    fraction: float = 0.9,
) -> torch.Tensor:
    """A copy of `x` (B, ...) whose first int(fraction·B) rows have each pixel replaced, with
    probability `amount`, by 0 or 1 (equally likely); the other rows are unchanged."""
    n = int(fraction * x.shape[0])
    out = x.clone()
    if n == 0 or amount <= 0.0:
        return out
    u = torch.rand(out[:n].shape, generator=generator, device=x.device)  # (n, ...) in [0, 1)
    noisy = u < amount
    salt = (u < 0.5 * amount).to(x.dtype)  # 1 on half of the noisy pixels, 0 on the other half
    out[:n] = torch.where(noisy, salt, out[:n])
    return out


def encode_for_eval(
    model: BetaVAE,
    x: torch.Tensor,
    corrupt: bool = False,
    generator: torch.Generator | None = None,
    amount: float = 0.2,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Encoder (μ, log σ²) of `x` (B, 1, H, W); with `corrupt` a denoising model sees every row
    salt-and-pepper corrupted (the original code's evaluation), otherwise clean inputs."""
    if corrupt and model.config.denoising:
        x = salt_and_pepper(x, amount, generator, fraction=1.0)
    return model.encode(x)
