"""The β-VAE architectures: exact sizes, shapes, layer settings and initialisation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from vae_core.models import (
    MODEL_TYPES,
    ModelConfig,
    build_model,
    model_config_for,
)

pytestmark = pytest.mark.numerics


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def bn(c: int) -> int:
    """Batch norm parameters: a scale and a shift per channel."""
    return 2 * c


# Parameter counts worked out layer by layer from PROTOCOL §2 (weights, BN, bias).
SHAPES_FC = (
    (4096 * 1200 + bn(1200))  # enc 4096 -> 1200, no bias
    + (1200 * 1200 + bn(1200))  # enc 1200 -> 1200
    + 2 * (1200 * 10 + 10)  # mu and logvar heads, with bias
    + (10 * 1200 + bn(1200))  # dec 10 -> 1200
    + 2 * (1200 * 1200 + bn(1200))  # dec 1200 -> 1200, twice
    + (1200 * 4096 + 4096)  # output logits, with bias
)
SHAPES_CONV = (
    (1 * 16 * 3 * 3 + bn(16))  # conv 1 -> 16, 3x3/2
    + (16 * 32 * 3 * 3 + bn(32))  # conv 16 -> 32
    + ((32 * 16 * 16) * 1024 + bn(1024))  # dense 8192 -> 1024
    + 2 * (1024 * 10 + 10)  # heads
    + (10 * 1024 + bn(1024))  # dense 10 -> 1024
    + (1024 * (8 * 8 * 64) + bn(8 * 8 * 64))  # dense 1024 -> 4096
    + (64 * 16 * 3 * 3 + bn(16))  # deconv 64 -> 16
    + (16 * 4 * 3 * 3 + bn(4))  # deconv 16 -> 4
    + (4 * 1 * 3 * 3 + 1)  # deconv 4 -> 1 logits, with bias
)
MNIST_FC = (
    (784 * 512 + bn(512))  # enc 784 -> 512
    + (512 * 512 + bn(512))  # enc 512 -> 512
    + 2 * (512 * 16 + 16)  # heads
    + (16 * 512 + bn(512))  # dec 16 -> 512
    + 2 * (512 * 512 + bn(512))  # dec 512 -> 512, twice
    + (512 * 784 + 784)  # output logits
)
MNIST_CONV = (
    (1 * 8 * 9 + bn(8))  # conv 1 -> 8 (14x14)
    + (8 * 16 * 9 + bn(16))  # conv 8 -> 16 (7x7)
    + ((16 * 7 * 7) * 512 + bn(512))  # dense 784 -> 512
    + 2 * (512 * 16 + 16)  # heads
    + (16 * 512 + bn(512))  # dense 16 -> 512
    + (512 * (7 * 7 * 16) + bn(7 * 7 * 16))  # dense 512 -> 784
    + (16 * 8 * 9 + bn(8))  # deconv -> 14x14x8
    + (8 * 4 * 9 + bn(4))  # deconv -> 28x28x4
    + (4 * 1 * 9 + 1)  # deconv stride 1 -> 28x28x1 logits
)
EXPECTED = {
    ("shapes", "fc"): SHAPES_FC,
    ("shapes", "conv"): SHAPES_CONV,
    ("mnist", "fc"): MNIST_FC,
    ("mnist", "conv"): MNIST_CONV,
}
ALL = [(d, t) for d in ("shapes", "mnist") for t in MODEL_TYPES]


@pytest.mark.parametrize(("dataset", "model_type"), ALL)
def test_parameter_count_matches_the_protocol_architecture(dataset: str, model_type: str) -> None:
    model = build_model(model_config_for(dataset, model_type))
    assert n_params(model) == EXPECTED[(dataset, model_type.removesuffix("-denoising"))]


@pytest.mark.parametrize(("dataset", "model_type"), ALL)
def test_encode_decode_forward_shapes(dataset: str, model_type: str) -> None:
    cfg = model_config_for(dataset, model_type)
    side = 64 if dataset == "shapes" else 28
    model = build_model(cfg)
    x = torch.rand(5, 1, side, side)
    mu, logvar = model.encode(x)
    assert mu.shape == logvar.shape == (5, cfg.latent_dim)
    assert model.decode(mu).shape == (5, 1, side, side)
    logits, mu2, _ = model(x, torch.Generator().manual_seed(0))
    assert logits.shape == (5, 1, side, side)
    assert torch.equal(mu2, mu)


def test_latent_sizes_and_denoising_flag() -> None:
    assert model_config_for("shapes", "conv-denoising") == ModelConfig("shapes", "conv", 10, True)
    assert model_config_for("mnist", "fc") == ModelConfig("mnist", "fc", 16, False)
    assert model_config_for("shapes", "fc-denoising").model_type == "fc-denoising"


def test_unknown_names_are_refused() -> None:
    with pytest.raises(ValueError):
        model_config_for("shapes", "resnet")
    with pytest.raises(ValueError):
        ModelConfig("cifar", "fc", 10, False)


def test_config_round_trips_through_a_dict() -> None:
    cfg = model_config_for("mnist", "conv-denoising")
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg
    assert build_model(ModelConfig.from_dict(cfg.to_dict())).config == cfg


def test_conv_encoder_halves_the_image_twice() -> None:
    model = build_model(model_config_for("shapes", "conv"))
    h1 = model.encoder[:3](torch.rand(2, 1, 64, 64))
    assert h1.shape == (2, 16, 32, 32)
    assert model.encoder[3:6](h1).shape == (2, 32, 16, 16)


def test_conv_decoder_doubles_exactly() -> None:
    model = build_model(model_config_for("shapes", "conv"))
    deconvs = [m for m in model.decoder if isinstance(m, nn.ConvTranspose2d)]
    assert [(d.in_channels, d.out_channels, d.stride) for d in deconvs] == [
        (64, 16, (2, 2)),
        (16, 4, (2, 2)),
        (4, 1, (2, 2)),
    ]
    mnist = build_model(model_config_for("mnist", "conv"))
    last = [m for m in mnist.decoder if isinstance(m, nn.ConvTranspose2d)][-1]
    assert last.stride == (1, 1)


@pytest.mark.parametrize("model_type", ["fc", "conv"])
def test_hidden_layers_have_no_bias_and_paper_batch_norm(model_type: str) -> None:
    model = build_model(model_config_for("shapes", model_type))
    layers = [
        m for m in model.modules() if isinstance(m, nn.Linear | nn.Conv2d | nn.ConvTranspose2d)
    ]
    hidden, output = layers[:-1], layers[-1]
    heads = {id(model.mu_head), id(model.logvar_head)}
    assert all(m.bias is None for m in hidden if id(m) not in heads)
    assert model.mu_head.bias is not None and output.bias is not None
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm1d | nn.BatchNorm2d)]
    assert len(norms) == len(hidden) - 2  # every hidden layer but the two heads
    assert all(m.eps == 1e-4 and m.momentum == 1e-3 for m in norms)


def test_encoder_uses_relu_and_decoder_tanh() -> None:
    model = build_model(model_config_for("shapes", "conv"))
    assert {type(m) for m in model.encoder if isinstance(m, nn.ReLU | nn.Tanh)} == {nn.ReLU}
    assert {type(m) for m in model.decoder if isinstance(m, nn.ReLU | nn.Tanh)} == {nn.Tanh}


def test_initialisation_he_for_relu_xavier_for_tanh_zero_biases() -> None:
    model = build_model(model_config_for("shapes", "fc"), torch.Generator().manual_seed(1))
    first = model.encoder[1].weight  # (1200, 4096) ReLU layer
    assert first.std().item() == pytest.approx(math.sqrt(2 / 4096), rel=0.02)
    head = model.mu_head.weight  # (10, 1200)
    assert head.std().item() == pytest.approx(math.sqrt(2 / 1200), rel=0.1)
    out = model.decoder[-1]  # (4096, 1200) output layer
    bound = math.sqrt(6 / (1200 + 4096))
    assert out.weight.abs().max().item() <= bound
    assert out.weight.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert torch.count_nonzero(out.bias) == 0 and torch.count_nonzero(model.mu_head.bias) == 0


def test_initialisation_is_set_by_the_generator() -> None:
    cfg = model_config_for("mnist", "conv")
    a = build_model(cfg, torch.Generator().manual_seed(3)).state_dict()
    b = build_model(cfg, torch.Generator().manual_seed(3)).state_dict()
    c = build_model(cfg, torch.Generator().manual_seed(4)).state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["mu_head.weight"], c["mu_head.weight"])


@pytest.mark.parametrize("model_type", ["fc", "conv"])
def test_binary_encoder_matches_the_dense_encoder(model_type: str):
    from vae_core.data.shapes import ShapesGroundTruth

    gt = ShapesGroundTruth()
    images = gt.render(gt.sample_factors(64, np.random.default_rng(3)))  # (64, 64, 64) bool
    model = build_model(model_config_for("shapes", model_type), torch.Generator().manual_seed(0))
    model.eval()
    with torch.no_grad():
        mu_b, logvar_b = model.encode_binary(images)
        mu_d, logvar_d = model.encode(torch.from_numpy(images).float().unsqueeze(1))
    torch.testing.assert_close(mu_b, mu_d, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(logvar_b, logvar_d, rtol=1e-5, atol=1e-5)
