"""Salt-and-pepper corruption: which rows, how many pixels, which values, reproducibility."""

from __future__ import annotations

import pytest
import torch

from vae_core.models import build_model, model_config_for
from vae_core.noise import encode_for_eval, salt_and_pepper


def test_only_the_first_90_percent_of_rows_are_corrupted() -> None:
    x = torch.full((10, 1, 32, 32), 0.5)
    out = salt_and_pepper(x, 0.2, torch.Generator().manual_seed(0))
    changed = (out != 0.5).flatten(1).any(dim=1)
    assert changed.tolist() == [True] * 9 + [False]
    # int(0.9 * 7) = 6 rows corrupted
    out7 = salt_and_pepper(x[:7], 0.2, torch.Generator().manual_seed(0))
    assert (out7 != 0.5).flatten(1).any(dim=1).tolist() == [True] * 6 + [False]


def test_about_amount_of_pixels_become_0_or_1_equally() -> None:
    x = torch.full((100, 1, 64, 64), 0.5)
    out = salt_and_pepper(x, 0.2, torch.Generator().manual_seed(1))[:90]
    noisy = out != 0.5
    assert noisy.float().mean().item() == pytest.approx(0.2, abs=0.005)
    assert set(out[noisy].unique().tolist()) == {0.0, 1.0}
    assert (out[noisy] == 1.0).float().mean().item() == pytest.approx(0.5, abs=0.01)


def test_input_untouched_and_seed_reproduces() -> None:
    x = torch.rand(20, 1, 8, 8)
    before = x.clone()
    a = salt_and_pepper(x, 0.3, torch.Generator().manual_seed(5))
    b = salt_and_pepper(x, 0.3, torch.Generator().manual_seed(5))
    c = salt_and_pepper(x, 0.3, torch.Generator().manual_seed(6))
    assert torch.equal(x, before)
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_evaluation_encodes_clean_inputs_unless_asked_to_corrupt() -> None:
    model = build_model(model_config_for("mnist", "fc-denoising")).eval()
    x = torch.rand(4, 1, 28, 28)
    with torch.no_grad():
        clean_mu, _ = model.encode(x)
        mu, _ = encode_for_eval(model, x)
        noisy_mu, _ = encode_for_eval(model, x, corrupt=True, generator=torch.Generator())
    assert torch.equal(mu, clean_mu)
    assert not torch.allclose(noisy_mu, clean_mu)


def test_corrupting_at_evaluation_leaves_plain_models_alone() -> None:
    model = build_model(model_config_for("mnist", "fc")).eval()
    x = torch.rand(4, 1, 28, 28)
    with torch.no_grad():
        mu, _ = encode_for_eval(model, x, corrupt=True, generator=torch.Generator())
        assert torch.equal(mu, model.encode(x)[0])
