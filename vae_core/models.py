"""β-VAE architectures of the paper (PROTOCOL §2): FC and conv, for 64x64 shapes and 28x28 MNIST."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from vae_core.config import (  # noqa: F401 (re-exported)
    IMAGE_SHAPES,
    LATENT_DIMS,
    MODEL_TYPES,
    ModelConfig,
    model_config_for,
)

BN_EPS = 1e-4
BN_MOMENTUM = 1e-3  # torch momentum = 1 - decay; the paper's running-average decay is 0.999

# ---- building blocks --------------------------------------------------------------------------


_Layer = TypeVar("_Layer", bound=nn.Module)


def _he(layer: _Layer) -> _Layer:
    """Mark a layer for He-normal init (ReLU layers and the μ / log σ² heads)."""
    setattr(layer, "init_kind", "he")  # noqa: B010 - a plain attribute nn.Module doesn't declare
    return layer


def _xavier(layer: _Layer) -> _Layer:
    """Mark a layer for Xavier-uniform init (tanh layers and the output layer)."""
    setattr(layer, "init_kind", "xavier")  # noqa: B010
    return layer


def init_weights(model: nn.Module, generator: torch.Generator | None = None) -> None:
    """(Re)initialise every marked layer from `generator`: He / Xavier weights, zero biases."""
    for module in model.modules():
        kind = getattr(module, "init_kind", None)
        if kind is None:
            continue
        weight = cast(torch.Tensor, module.weight)
        bias = cast(torch.Tensor | None, module.bias)
        if kind == "he":
            nn.init.kaiming_normal_(weight, nonlinearity="relu", generator=generator)
        else:
            nn.init.xavier_uniform_(weight, generator=generator)
        if bias is not None:
            nn.init.zeros_(bias)


def _fc_hidden(n_in: int, n_out: int, act: str) -> list[nn.Module]:
    """Bias-free linear + batch norm + activation (ReLU: He init; tanh: Xavier init)."""
    init, act_mod = (_he, nn.ReLU()) if act == "relu" else (_xavier, nn.Tanh())
    linear = init(nn.Linear(n_in, n_out, bias=False))
    return [linear, nn.BatchNorm1d(n_out, eps=BN_EPS, momentum=BN_MOMENTUM), act_mod]


def _conv_hidden(c_in: int, c_out: int) -> list[nn.Module]:
    """'Same' 3x3 stride-2 conv without bias + batch norm + ReLU: halves H and W."""
    conv = _he(nn.Conv2d(c_in, c_out, 3, stride=2, padding=1, bias=False))
    return [conv, nn.BatchNorm2d(c_out, eps=BN_EPS, momentum=BN_MOMENTUM), nn.ReLU()]


def _deconv(c_in: int, c_out: int, stride: int, hidden: bool) -> list[nn.Module]:
    """3x3 transposed conv; stride 2 doubles H and W exactly. Hidden: BN + tanh; else logits."""
    out_pad = 1 if stride == 2 else 0
    deconv = _xavier(
        nn.ConvTranspose2d(
            c_in, c_out, 3, stride=stride, padding=1, output_padding=out_pad, bias=not hidden
        )
    )
    if not hidden:
        return [deconv]
    return [deconv, nn.BatchNorm2d(c_out, eps=BN_EPS, momentum=BN_MOMENTUM), nn.Tanh()]


# ---- the model --------------------------------------------------------------------------------


class BetaVAE(nn.Module):
    """Gaussian encoder (μ, log σ²) and Bernoulli decoder (logits) with a shared trunk design."""

    def __init__(
        self,
        config: ModelConfig,
        encoder: nn.Sequential,
        enc_features: int,
        decoder: nn.Sequential,
    ) -> None:
        super().__init__()
        self.config = config
        self.image_shape = IMAGE_SHAPES[config.dataset]
        self.encoder = encoder
        self.mu_head = _he(nn.Linear(enc_features, config.latent_dim))
        self.logvar_head = _he(nn.Linear(enc_features, config.latent_dim))
        self.decoder = decoder

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, 1, H, W) images in [0, 1] -> μ, log σ², each (B, latent)."""
        h = self.encoder(x)  # (B, enc_features)
        return self.mu_head(h), self.logvar_head(h)

    def encode_binary(self, images: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """μ, log σ² for binary images (B, H, W) bool, in eval mode.

        An FC encoder's first layer (bias-free) on a 0/1 image is the sum of the weight columns of
        the lit pixels: `embedding_bag` computes exactly that map without touching the ~93% dark
        pixels of a shapes image (about 2x faster end to end on this CPU). Other models, or a
        model in training mode, take the dense path.
        """
        device = next(self.parameters()).device
        first = self.encoder[1] if len(self.encoder) > 1 else None
        sparse_ok = (
            not self.training
            and isinstance(self.encoder[0], nn.Flatten)
            and isinstance(first, nn.Linear)
            and first.bias is None
        )
        if not sparse_ok:
            x = torch.from_numpy(np.ascontiguousarray(images)).to(device, torch.float32)
            return self.encode(x.view(-1, 1, *self.image_shape))
        assert isinstance(first, nn.Linear)
        flat = np.asarray(images, dtype=bool).reshape(len(images), -1)  # (B, H*W)
        rows, cols = np.nonzero(flat)
        counts = np.bincount(rows, minlength=len(flat))
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
        table = first.weight.t().contiguous()  # (H*W, width)
        h = F.embedding_bag(
            torch.from_numpy(cols).to(device),
            table,
            torch.from_numpy(offsets).to(device),
            mode="sum",
        )  # (B, width)
        h = self.encoder[2:](h)  # (B, enc_features)
        return self.mu_head(h), self.logvar_head(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """(B, latent) codes -> (B, 1, H, W) Bernoulli logits."""
        return self.decoder(z).view(-1, 1, *self.image_shape)

    def forward(
        self, x: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Encode, sample z = μ + σ·ε (ε from `generator`), decode: (logits, μ, log σ²)."""
        logits, mu, logvar, _ = self.forward_codes(x, generator)
        return logits, mu, logvar

    def forward_codes(
        self, x: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """`forward` that also gives the sampled codes z (B, latent), for objectives of z."""
        mu, logvar = self.encode(x)
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        z = mu + torch.exp(0.5 * logvar) * eps  # (B, latent)
        return self.decode(z), mu, logvar, z


def _build_fc(cfg: ModelConfig) -> BetaVAE:
    """FC encoder/decoder: shapes 4096-1200-1200 / 1200x3; MNIST 784-512-512 / 512x3."""
    h, w = IMAGE_SHAPES[cfg.dataset]
    n_pix, width = h * w, {"shapes": 1200, "mnist": 512}[cfg.dataset]
    encoder = nn.Sequential(
        nn.Flatten(),  # (B, H*W)
        *_fc_hidden(n_pix, width, "relu"),
        *_fc_hidden(width, width, "relu"),
    )
    decoder = nn.Sequential(
        *_fc_hidden(cfg.latent_dim, width, "tanh"),
        *_fc_hidden(width, width, "tanh"),
        *_fc_hidden(width, width, "tanh"),
        _xavier(nn.Linear(width, n_pix)),  # (B, H*W) logits
    )
    return BetaVAE(cfg, encoder, width, decoder)


# Conv layouts: encoder channels, dense width, decoder base (C, H, W), deconv channels and strides.
_CONV_LAYOUT = {
    "shapes": {
        "enc": (16, 32),
        "dense": 1024,
        "base": (64, 8, 8),
        "dec": ((16, 2), (4, 2), (1, 2)),
    },
    "mnist": {"enc": (8, 16), "dense": 512, "base": (16, 7, 7), "dec": ((8, 2), (4, 2), (1, 1))},
}


def _build_conv(cfg: ModelConfig) -> BetaVAE:
    """Two stride-2 convs + dense encoder; dense + three transposed convs decoder."""
    h, w = IMAGE_SHAPES[cfg.dataset]
    lay: Any = _CONV_LAYOUT[cfg.dataset]
    c1, c2 = lay["enc"]
    flat = c2 * (h // 4) * (w // 4)
    encoder = nn.Sequential(
        *_conv_hidden(1, c1),  # (B, c1, H/2, W/2)
        *_conv_hidden(c1, c2),  # (B, c2, H/4, W/4)
        nn.Flatten(),  # (B, c2*H/4*W/4)
        *_fc_hidden(flat, lay["dense"], "relu"),
    )
    base_c, base_h, base_w = lay["base"]
    layers: list[nn.Module] = [
        *_fc_hidden(cfg.latent_dim, lay["dense"], "tanh"),
        *_fc_hidden(lay["dense"], base_c * base_h * base_w, "tanh"),
        nn.Unflatten(1, (base_c, base_h, base_w)),  # (B, C, h, w)
    ]
    c_in = base_c
    for i, (c_out, stride) in enumerate(lay["dec"]):
        layers += _deconv(c_in, c_out, stride, hidden=i < len(lay["dec"]) - 1)
        c_in = c_out
    return BetaVAE(cfg, encoder, lay["dense"], nn.Sequential(*layers))


ARCHITECTURES: dict[str, Callable[[ModelConfig], BetaVAE]] = {"fc": _build_fc, "conv": _build_conv}


def build_model(cfg: ModelConfig, generator: torch.Generator | None = None) -> BetaVAE:
    """Build the model named by `cfg`, initialised from `generator` (torch's global RNG if None)."""
    model = ARCHITECTURES[cfg.arch](cfg)
    init_weights(model, generator)
    return model
