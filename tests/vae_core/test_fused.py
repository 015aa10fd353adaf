"""Fused grid training agrees with one-by-one `train.train` runs, model by model."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.utils.dtype import default_dtype
from tests.utils.train_data import rectangle_splits
from vae_core.checkpoint import BEST_NAME, LATEST_NAME, load_checkpoint, load_checkpoint_model
from vae_core.data.images import DataSplits, ImageSet
from vae_core.fused import FusedStack, train_fused
from vae_core.losses import KL_BETA_MIN
from vae_core.models import build_model, model_config_for
from vae_core.precision import cpu_bf16_isa
from vae_core.train import (
    EpochStats,
    TrainResult,
    dataset_cost,
    get_train_config,
    make_optimizer,
    train,
)

pytestmark = pytest.mark.numerics

SEEDS = [11, 12, 13]
BETAS = [0.0, 1.0, 4.0]
# Batch 64 on 150 training images: batches of 64 and 86 (the short tail merged), two epochs.
CFG = get_train_config("smoke", train_fraction=0.5, batch_size=64, validation_cap=100, bf16=False)
STEPS = 2 * 2  # two epochs of two batches

# Tolerances, from what the arithmetic promises on any CPU (not from one machine's error).
#
# Fused and single training do the same arithmetic in another order: bmm against mm, and oneDNN
# or MKL pick other kernels per ISA (AVX2, AVX-512, AMX), with or without FMA. A sum of n terms
# in any order is within γ_n = n·u of the exact sum, relative to the sum of the terms' absolute
# values (Higham, "Accuracy and Stability of Numerical Algorithms", §3.1); the longest sums here
# are batch-norm and weight-gradient reductions over B·H·W ≤ 86·28·28 ≈ 6.7e4 terms.
#
# float64 (u = 2^-53 ≈ 1.1e-16): γ_n ≤ 7.5e-12 per reduction. Adam's step lr·m̂/(√v̂ + ε)
# passes a relative gradient difference on as about the same relative step difference, and
# divides noise-sized gradients by at least ε = 1e-8, so four steps keep every parameter and every
# cost within a few γ_n of each other, ~1e-11. RTOL_64 = 1e-9 leaves two orders of headroom and is
# still six orders below what a real difference (another β, batch or learning rate) makes.
RTOL_64 = 1e-9
# float32 (u = 2^-24 ≈ 6e-8): the same sums agree to about √n·u ≈ 1.5e-5 (the probabilistic
# bound of Higham & Mary, 2019), and Adam turns gradients that are rounding noise into steps of
# up to lr, so fp32 runs are compared on their costs only, at 1e-3.
RTOL_32 = 1e-3


@pytest.fixture(autouse=True, scope="module")
def float64_by_default() -> Iterator[None]:
    """Models, batches and costs in float64 for this module (`load_batch` follows the default
    dtype): fused and single training then agree to ~1e-11 on any CPU, not just this one."""
    with default_dtype(torch.float64):
        yield


def _images(rng: np.random.Generator, n: int) -> ImageSet:
    """Blurry blobs in uint8 (N, 28, 28), like MNIST's value range and layout."""
    centres = rng.uniform(6, 22, size=(n, 2, 1, 1))
    yy, xx = np.mgrid[0:28, 0:28]
    d2 = (yy - centres[:, 0]) ** 2 + (xx - centres[:, 1]) ** 2  # (N, 28, 28)
    radius = rng.uniform(3, 7, size=(n, 1, 1))
    pixels = 255 * np.exp(-d2 / (2 * radius**2))
    return ImageSet(pixels.astype(np.uint8), (28, 28), packed=False, max_value=255.0)


@pytest.fixture(scope="module")
def data() -> DataSplits:
    rng = np.random.default_rng(0)
    return DataSplits("mnist", _images(rng, 300), _images(rng, 100), _images(rng, 50))


class _StopAt:
    """Callback that asks to stop once `epoch` epochs are done; records every EpochStats."""

    def __init__(self, epoch: int | None = None) -> None:
        self.epoch, self.seen = epoch, []

    def on_epoch(self, stats: EpochStats) -> None:
        self.seen.append(stats)

    def should_stop(self) -> bool:
        return self.epoch is not None and len(self.seen) >= self.epoch


def _single(
    model_type: str, data: DataSplits, root: Path, betas=BETAS, train_config=CFG
) -> list[TrainResult]:
    """One `train` per β (seeds SEEDS in order), each in root/single-k."""
    cfg = model_config_for(data.name, model_type)
    return [
        train(
            model_config=cfg,
            train_config=train_config,
            beta=b,
            seed=s,
            data=data,
            checkpoint_dir=root / f"single-{k}",
        )
        for k, (b, s) in enumerate(zip(betas, SEEDS[: len(betas)], strict=True))
    ]


def _fused(
    model_type: str, data: DataSplits, root: Path, betas=BETAS, callbacks=None, train_config=CFG
):
    return train_fused(
        model_config=model_config_for(data.name, model_type),
        train_config=train_config,
        betas=betas,
        seeds=SEEDS[: len(betas)],
        data=data,
        checkpoint_dirs=[root / f"fused-{k}" for k in range(len(betas))],
        callbacks=callbacks,
    )


def _weights(path: Path) -> dict[str, torch.Tensor]:
    return load_checkpoint(path)["model_state"]


def _assert_history_close(
    fused: list[EpochStats], single: list[EpochStats], beta: float, rtol: float = RTOL_64
) -> None:
    """Costs agree to `rtol` every epoch. In float32 with β < 1e-3 the KL is not compared: it is
    not part of the cost and follows the μ-head bias that Adam moves on rounding noise (below)."""
    assert [h.epoch for h in fused] == [h.epoch for h in single]
    keys = ["train_loss", "val_loss", "recon", "val_recon", "kl", "val_kl"]
    if rtol > RTOL_64 and beta < KL_BETA_MIN:
        keys = keys[:4]
    for f, s in zip(fused, single, strict=True):
        for key in keys:
            assert getattr(f, key) == pytest.approx(getattr(s, key), rel=rtol, abs=1e-12), key


def _assert_weights_close(a: dict, b: dict, beta: float, lr: float, steps: int) -> None:
    """Every float64 tensor within RTOL_64 relative (Frobenius norm).

    Exception, by construction: with β < 1e-3 the μ-head bias gets a zero gradient (the decoder's
    first batch norm removes any shift of z and there is no KL term), so its steps are Adam's
    answer to rounding noise; it and that batch norm's running mean are held to the hard Adam
    bound instead, 2·lr·steps elementwise (|step| <= lr for these first few steps).
    """
    assert a.keys() == b.keys()
    free = {"mu_head.bias", "decoder.1.running_mean"} if beta < KL_BETA_MIN else set()
    for name in a:
        x, y = a[name], b[name]
        assert x.dtype == y.dtype, name
        if name in free:
            assert (x - y).abs().max() <= 2 * lr * steps, name
        elif x.dtype.is_floating_point:
            assert x.dtype == torch.float64, name
            assert torch.linalg.norm(x - y) <= RTOL_64 * torch.linalg.norm(y) + 1e-30, name
        else:
            assert torch.equal(x, y), name


@pytest.fixture(scope="module")
def single_fc(data: DataSplits, tmp_path_factory: pytest.TempPathFactory) -> list[TrainResult]:
    return _single("fc", data, tmp_path_factory.mktemp("single-fc"))


def test_stacked_adam_equals_train_adam_per_model_bit_for_bit() -> None:
    torch.manual_seed(0)
    template = build_model(model_config_for("mnist", "fc"), torch.Generator().manual_seed(0))
    states = [
        build_model(template.config, torch.Generator().manual_seed(k)).state_dict()
        for k in range(3)
    ]
    stack = FusedStack(template, states)
    stack.lrs = [1e-3, 3e-5, 5e-3]
    singles = [build_model(template.config) for _ in range(3)]
    opts = []
    for model, state, lr in zip(singles, states, stack.lrs, strict=True):
        model.load_state_dict(state)
        opts.append(make_optimizer(model, lr))
    for _ in range(4):
        grads = {n: torch.randn_like(p) for n, p in stack.params.items()}
        for n, p in stack.params.items():
            p.grad = grads[n].clone()
        stack.adam_step()
        for k, (model, opt) in enumerate(zip(singles, opts, strict=True)):
            for n, p in model.named_parameters():
                p.grad = grads[n][k].clone()
            opt.step()
    for k, (model, opt) in enumerate(zip(singles, opts, strict=True)):
        for n, p in model.named_parameters():
            assert torch.equal(stack.params[n][k].detach(), p.detach()), n  # same kernel: exact
        ref, got = opt.state_dict(), stack.optimizer_state(k)
        assert got["param_groups"] == ref["param_groups"]
        for j in ref["state"]:
            assert got["state"][j].keys() == ref["state"][j].keys()
            assert float(got["state"][j]["step"]) == float(ref["state"][j]["step"]) == 4.0
            for key in ("exp_avg", "exp_avg_sq"):
                assert torch.equal(got["state"][j][key], ref["state"][j][key]), key


def test_stacked_gradients_match_each_models_own_autograd_gradients() -> None:
    torch.manual_seed(0)
    template = build_model(model_config_for("mnist", "fc"), torch.Generator().manual_seed(0))
    singles = [build_model(template.config, torch.Generator().manual_seed(k)) for k in range(3)]
    stack = FusedStack(template, [m.state_dict() for m in singles])
    x = torch.rand(3, 32, 1, 28, 28)  # (A, B, 1, H, W)
    mu, logvar = stack.encode(x)
    logits = stack.decode(mu + logvar)
    (logits.square().mean((1, 2, 3, 4)) * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    for k, model in enumerate(singles):
        model.train()
        m_mu, m_logvar = model.encode(x[k])
        ((k + 1) * model.decode(m_mu + m_logvar).square().mean()).backward()
        # a reduction's rounding is relative to its terms, not its result: the μ-head bias's
        # gradient is exactly 0 (the decoder's batch norm removes shifts of z) yet sums terms as
        # large as the others, so each tensor is held to RTOL_64 of its own plus the model's norm
        scale = torch.linalg.norm(torch.cat([p.grad.flatten() for p in model.parameters()]))
        for n, p in model.named_parameters():
            got = stack.grad(n)
            assert got is not None, n
            bound = RTOL_64 * (torch.linalg.norm(p.grad) + scale)
            assert torch.linalg.norm(got[k] - p.grad) <= bound, n
    # dW of the linear layers lives in the stack's persistent buffers, not in .grad
    linear = "encoder.1.weight"
    assert stack.params[linear].grad is None and linear in stack.weight_grads
    buffer = stack.weight_grads[linear]
    stack.zero_grad()
    assert stack.grad(linear) is None and stack.grad("encoder.2.weight") is None
    # the next backward writes into the same buffer; retiring a model keeps the others' rows
    mu, logvar = stack.encode(x)
    stack.decode(mu + logvar).square().mean((1, 2, 3, 4)).sum().backward()
    assert stack.weight_grads[linear] is buffer
    rows = buffer[[0, 2]].clone()
    stack.keep([0, 2])
    assert torch.equal(stack.grad(linear), rows)


@pytest.mark.parametrize("model_type", ["fc", "conv-denoising"])
def test_fused_training_matches_one_by_one_runs(
    model_type: str, data: DataSplits, single_fc: list[TrainResult], tmp_path: Path
) -> None:
    single = single_fc if model_type == "fc" else _single(model_type, data, tmp_path)
    fused = _fused(model_type, data, tmp_path)
    for k, (f, s) in enumerate(zip(fused, single, strict=True)):
        assert (f.status, f.epochs_run, f.best_epoch) == (s.status, s.epochs_run, s.best_epoch)
        _assert_history_close(f.history, s.history, BETAS[k])
        fused_ckpt = load_checkpoint(tmp_path / f"fused-{k}" / LATEST_NAME)
        single_ckpt = load_checkpoint(s.best_checkpoint.parent / LATEST_NAME)
        assert fused_ckpt.keys() == single_ckpt.keys()
        assert fused_ckpt["progress"].keys() == single_ckpt["progress"].keys()
        assert fused_ckpt["rng"].keys() == single_ckpt["rng"].keys()
        for name in ("numpy_shuffle", "noise", "reparam"):  # same RNG streams, same positions
            a, b = fused_ckpt["rng"][name], single_ckpt["rng"][name]
            assert a == b if name == "numpy_shuffle" else torch.equal(a, b), name
        assert (
            fused_ckpt["optimizer_state"]["param_groups"]
            == (single_ckpt["optimizer_state"]["param_groups"])
        )
        _assert_weights_close(
            fused_ckpt["model_state"], single_ckpt["model_state"], BETAS[k], 1e-3, STEPS
        )


@pytest.mark.parametrize("model_type", ["fc", "conv-denoising"])
def test_fused_float32_training_tracks_one_by_one_float32_runs(
    model_type: str, data: DataSplits, tmp_path: Path
) -> None:
    """What the worker runs: float32 (the float64 test above is the exact oracle)."""
    with default_dtype(torch.float32):
        single = _single(model_type, data, tmp_path)
        fused = _fused(model_type, data, tmp_path)
    for k, (f, s) in enumerate(zip(fused, single, strict=True)):
        assert (f.status, f.epochs_run, f.best_epoch) == (s.status, s.epochs_run, s.best_epoch)
        _assert_history_close(f.history, s.history, BETAS[k], rtol=RTOL_32)
        state = load_checkpoint(tmp_path / f"fused-{k}" / LATEST_NAME)["model_state"]
        assert all(v.dtype == torch.float32 for v in state.values() if v.is_floating_point())


@default_dtype(torch.float32)
def test_fused_bf16_autocast_trains_like_single_bf16_runs(data: DataSplits, tmp_path: Path) -> None:
    cfg = get_train_config(
        "smoke", train_fraction=0.5, batch_size=64, validation_cap=100, bf16=True
    )
    betas = [1.0, 4.0]
    fused = _fused("fc", data, tmp_path, betas, train_config=cfg)
    for k, single in enumerate(_single("fc", data, tmp_path, betas, train_config=cfg)):
        assert fused[k].status == single.status == "completed"
        # bf16 × bf16 products are exact in the fp32 accumulators, but a differently ordered fp32
        # sum can round its bf16 result to the neighbouring value (one ulp, 2^-8 ≈ 0.4%); the
        # costs average many such flips, so they stay within about two ulps: 1e-2
        _assert_history_close(fused[k].history, single.history, betas[k], rtol=1e-2)


@default_dtype(torch.float32)  # bf16 autocast works on float32 models
@pytest.mark.cpu_policy
def test_a_bundle_decides_one_precision_an_interrupted_members_first(tmp_path: Path) -> None:
    native = cpu_bf16_isa() is not None
    shapes = rectangle_splits("shapes", (150, 50, 50))  # conv-denoising on shapes: bf16-validated
    model_cfg = model_config_for("shapes", "conv-denoising")
    auto = dataclasses.replace(CFG, bf16=None, validation_cap=50)
    fresh = _fused(
        "conv-denoising", shapes, tmp_path / "fresh", betas=[1.0, 4.0], train_config=auto
    )
    assert [r.precision for r in fresh] == ["bf16" if native else "fp32"] * 2
    fc = _fused("fc", shapes, tmp_path / "fc", betas=[1.0, 4.0], train_config=auto)
    assert [r.precision for r in fc] == ["fp32"] * 2  # fc is not validated in bf16

    # Member 0 began alone in the other precision (another machine): the bundle trains in it.
    began = train(
        model_config=model_cfg,
        train_config=dataclasses.replace(auto, bf16=not native),
        beta=1.0,
        seed=SEEDS[0],
        data=shapes,
        checkpoint_dir=tmp_path / "resumed" / "fused-0",
        callback=_StopAt(epoch=1),
    )
    assert began.status == "cancelled"
    resumed = _fused(
        "conv-denoising", shapes, tmp_path / "resumed", betas=[1.0, 4.0], train_config=auto
    )
    assert [r.status for r in resumed] == ["completed"] * 2
    assert [r.precision for r in resumed] == ["fp32" if native else "bf16"] * 2


def test_fused_checkpoint_loads_into_the_normal_model_class(
    data: DataSplits, tmp_path: Path
) -> None:
    results = _fused("fc", data, tmp_path, betas=[1.0])
    model = load_checkpoint_model(results[0].best_checkpoint)
    assert type(model).__name__ == "BetaVAE" and not model.training
    total, recon, kl = dataset_cost(model, data.test, 1.0, batch_size=64)
    assert np.isfinite(total) and total == pytest.approx(recon + kl, rel=1e-5)


def test_single_train_resumes_from_fused_latest(
    data: DataSplits, single_fc: list[TrainResult], tmp_path: Path
) -> None:
    stoppers = [_StopAt(epoch=1) for _ in SEEDS]
    interrupted = _fused("fc", data, tmp_path, callbacks=stoppers)
    assert [r.status for r in interrupted] == ["cancelled"] * 3
    assert all(r.epochs_run == 1 for r in interrupted)
    for k, s in enumerate(single_fc):
        resumed = train(
            model_config=model_config_for("mnist", "fc"),
            train_config=CFG,
            beta=BETAS[k],
            seed=SEEDS[k],
            data=data,
            checkpoint_dir=tmp_path / f"fused-{k}",
        )
        assert resumed.status == "completed" and resumed.epochs_run == 2
        _assert_history_close(resumed.history, s.history, BETAS[k])


def test_finished_model_stays_frozen_while_the_others_train(
    data: DataSplits, single_fc: list[TrainResult], tmp_path: Path
) -> None:
    # Model 0 ran one epoch alone; fused, it needs one more epoch while models 1 and 2 need two.
    cfg = model_config_for("mnist", "fc")
    train(
        model_config=cfg,
        train_config=CFG,
        beta=BETAS[0],
        seed=SEEDS[0],
        data=data,
        checkpoint_dir=tmp_path / "fused-0",
        callback=_StopAt(epoch=1),
    )
    frozen: dict[str, dict[str, torch.Tensor]] = {}

    class Watch(_StopAt):
        """Snapshots model 0's files when model 1 finishes its epochs."""

        def on_epoch(self, stats: EpochStats) -> None:
            super().on_epoch(stats)
            for name in (LATEST_NAME, BEST_NAME):
                frozen[f"{name}@{stats.epoch}"] = _weights(tmp_path / "fused-0" / name)

    results = _fused("fc", data, tmp_path, callbacks=[None, Watch(), None])
    assert [r.status for r in results] == ["completed"] * 3
    assert [r.epochs_run for r in results] == [2, 2, 2]
    for name in (LATEST_NAME, BEST_NAME):
        # Model 0 finished in fused epoch 1; models 1 and 2 trained on in fused epoch 2.
        before, after = frozen[f"{name}@1"], frozen[f"{name}@2"]
        assert all(torch.equal(before[n], after[n]) for n in before), name
        final = _weights(tmp_path / "fused-0" / name)
        assert all(torch.equal(before[n], final[n]) for n in before), name
    assert load_checkpoint(tmp_path / "fused-0" / LATEST_NAME)["epoch"] == 2
    for k, (f, s) in enumerate(zip(results, single_fc, strict=True)):
        _assert_history_close(f.history, s.history, BETAS[k])


def test_non_finite_model_fails_alone(
    data: DataSplits, single_fc: list[TrainResult], tmp_path: Path
) -> None:
    betas = [BETAS[0], sys.float_info.max, BETAS[2]]  # β·KL (KL > 1) overflows at the first step
    results = _fused("fc", data, tmp_path, betas=betas)
    assert results[1].status == "failed"
    assert results[1].reason == "non-finite training loss at epoch 1 step 0"
    assert not (tmp_path / "fused-1" / LATEST_NAME).exists()
    for k in (0, 2):
        assert results[k].status == "completed"
        _assert_history_close(results[k].history, single_fc[k].history, BETAS[k])
