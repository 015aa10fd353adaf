"""Training loop of PROTOCOL §3: Adam, batch 1000, per-epoch validation, patience, resumable.

Randomness: the run seed is split (numpy SeedSequence) into independent streams for weight
init, the training subset (`train_fraction`), shuffling, salt-and-pepper noise, the
reparameterisation noise ε, and validation. Validation samples z = μ + σ·ε with a generator
re-seeded identically at every evaluation, so epochs are compared on the same ε. Every stream's
state is saved in `latest.pt`, so an interrupted run resumes bit-identically (same device and
thread count).

Precision: `TrainConfig.bf16` is True (bf16 autocast around forward and loss), False (fp32), or
None: bf16 where the device computes it natively (`vae_core.precision.native_bf16`) and the
model was validated in bf16 (`vae_core.precision.bf16_validated`: shapes conv-denoising so far),
decided when the run starts and written into its checkpoints, so a resumed run keeps the
precision it began with on any machine. `quick` and `smoke` say None, `paper` False.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch

from vae_core.checkpoint import LATEST_NAME, load_checkpoint, load_checkpoint_model
from vae_core.config import (  # noqa: F401 (re-exported)
    DEVICE_PATTERN,
    PRESETS,
    TrainConfig,
    get_train_config,
)
from vae_core.data.images import DataSplits, ImageSet
from vae_core.losses import vae_loss
from vae_core.models import BetaVAE, ModelConfig, build_model
from vae_core.noise import encode_for_eval, salt_and_pepper
from vae_core.objectives import objective_cost
from vae_core.precision import bf16_validated, native_bf16
from vae_core.run_state import (
    EpochStats,
    RunState,
    TrainCallback,
    TrainResult,
    autocast,
    device_of,
    set_bn_momentum,
    torch_gen,
)

__all__ = [
    "DEVICE_PATTERN",
    "PRESETS",
    "EpochStats",
    "TrainCallback",
    "TrainConfig",
    "TrainResult",
    "dataset_cost",
    "get_train_config",
    "load_batch",
    "load_checkpoint_model",
    "make_optimizer",
    "resolve_precision",
    "train",
    "train_step",
]

# ---- data -------------------------------------------------------------------------------------


def load_batch(images: ImageSet, idx: np.ndarray, device: torch.device) -> torch.Tensor:
    """Rows `idx` as floats (B, 1, H, W) in [0, 1] on `device`; bytes travel, floats made there.

    The floats are torch's default dtype: float32, or float64 where a caller set it (the
    equivalence tests compare fused and single training in float64)."""
    h, w = images.image_shape
    rows = images.data[idx]
    if images.packed:
        rows = np.unpackbits(rows, axis=1, count=h * w)  # (B, H*W) uint8 0/1
    x = torch.from_numpy(rows).to(device, non_blocking=True).view(-1, 1, h, w)  # (B, 1, H, W)
    x = x.to(torch.get_default_dtype())
    if not images.packed and images.max_value != 1.0:
        x.mul_(float(np.float32(1.0 / images.max_value)))
    return x


# ---- evaluation -------------------------------------------------------------------------------


@torch.no_grad()
def dataset_cost(
    model: BetaVAE,
    images: ImageSet,
    beta: float,
    *,
    batch_size: int = 1000,
    seed: int = 0,
    device: torch.device | str = "cpu",
    corrupt: bool = False,
    noise_amount: float = 0.2,
    bf16: bool = False,
    objective: str = "beta_vae",
    params: dict[str, float] | None = None,
    step: int = 0,
) -> tuple[float, float, float]:
    """(total, recon, kl) over all `images` in eval mode: size-weighted mean of batch means.

    z = μ + σ·ε with ε from a generator seeded by `seed`, so repeated calls agree exactly. The
    total is `objective`'s cost at strength `beta` (its batch statistics, such as β-TCVAE's total
    correlation, over batches of `batch_size`; AnnealedVAE's capacity at `step`).
    """
    device = torch.device(device)
    was_training = model.training
    model.eval()
    gen = torch_gen(seed, device)
    noise_gen = torch_gen(seed + 1, device)
    sums = torch.zeros(3, dtype=torch.float64, device=device)
    n = len(images)
    for start in range(0, n, batch_size):
        x = load_batch(images, np.arange(start, min(start + batch_size, n)), device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            mu, logvar = encode_for_eval(model, x, corrupt, noise_gen, noise_amount)
            eps = torch.randn(mu.shape, generator=gen, device=device, dtype=mu.dtype)
            z = mu + torch.exp(0.5 * logvar) * eps  # (B, latent)
            logits = model.decode(z)  # (B, 1, H, W)
            costs = objective_cost(objective, beta, params or {}, (logits, mu, logvar, z), x, step)
        sums += torch.stack(costs).double() * x.shape[0]
    model.train(was_training)
    total, recon, kl = (sums / max(n, 1)).tolist()
    return total, recon, kl


def resolve_precision(
    cfg: TrainConfig,
    model_config: ModelConfig,
    device: torch.device,
    saved: dict[str, Any] | None = None,
) -> TrainConfig:
    """`cfg` with `bf16` decided: as asked; else as the interrupted run `saved` (its latest.pt)
    began; else bf16 where `device` computes it natively and the model was validated in bf16."""
    if cfg.bf16 is not None:
        return cfg
    if saved is not None and isinstance(saved["train_config"].get("bf16"), bool):
        return dataclasses.replace(cfg, bf16=saved["train_config"]["bf16"])
    validated = bf16_validated(model_config.dataset, model_config.model_type)
    return dataclasses.replace(cfg, bf16=validated and native_bf16(device))


# ---- the loop ---------------------------------------------------------------------------------


def make_optimizer(model: torch.nn.Module, lr: float) -> torch.optim.Adam:
    """Adam with the fused kernel: one pass over each tensor instead of ~10 (5x faster on CPU)."""
    return torch.optim.Adam(model.parameters(), lr=lr, fused=True)


def train_step(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    x: torch.Tensor,
    beta: float,
    cfg: TrainConfig,
    gens: dict[str, torch.Generator],
    denoise: bool,
    step: int = 0,
) -> torch.Tensor | None:
    """One Adam step on the clean batch `x` (B, 1, H, W): detached (total, recon, kl) costs,
    or None (and no update) when the cost is not finite. The cost is `cfg.objective`'s at
    strength `beta`; `step` counts the optimiser steps before this one (AnnealedVAE)."""
    inp = salt_and_pepper(x, cfg.noise_amount, gens["noise"], cfg.noise_fraction) if denoise else x
    with autocast(x.device, cfg):
        if cfg.objective == "beta_vae":
            logits, mu, logvar = model(inp, gens["reparam"])
            total, recon, kl = vae_loss(logits, x, mu, logvar, beta)
        else:
            outputs = cast(BetaVAE, model).forward_codes(inp, gens["reparam"])
            params = cfg.objective_parameters()
            total, recon, kl = objective_cost(cfg.objective, beta, params, outputs, x, step)
    costs = torch.stack([total, recon, kl]).detach()  # (3,)
    if not torch.isfinite(costs[0]).item():
        return None
    optimizer.zero_grad(set_to_none=True)
    total.backward()
    optimizer.step()
    return costs


def train(
    *,
    model_config: ModelConfig,
    train_config: TrainConfig,
    beta: float,
    seed: int,
    data: DataSplits,
    checkpoint_dir: Path,
    callback: TrainCallback | None = None,
    train_indices: np.ndarray | None = None,
) -> TrainResult:
    """Train one β-VAE, resuming from `checkpoint_dir/latest.pt` when present."""
    device = device_of(train_config.device)
    latest_path = Path(checkpoint_dir) / LATEST_NAME
    ckpt = load_checkpoint(latest_path, device) if latest_path.exists() else None
    cfg = resolve_precision(train_config, model_config, device, ckpt)
    train_set, val_set = data.train, data.validation
    run = RunState(
        model_config=model_config,
        cfg=cfg,
        beta=beta,
        seed=seed,
        checkpoint_dir=Path(checkpoint_dir),
        device=device,
        n_train=len(train_set),
        train_indices=train_indices,
        callback=callback,
    )
    model = build_model(model_config, run.init_generator()).to(device)
    set_bn_momentum(model, cfg.bn_momentum)
    optimizer = make_optimizer(model, run.lr)
    if ckpt is not None:
        run.check_resumable(ckpt)
        model.load_state_dict(ckpt["model_state"])
        optimizer.load_state_dict(ckpt["optimizer_state"])
        run.restore(ckpt)
        ckpt = None  # its tensors are copied into the model and optimizer

    val_set = val_set.subset(np.arange(min(cfg.validation_cap, len(val_set))))
    step_model = cast(torch.nn.Module, torch.compile(model)) if cfg.compile else model
    while not run.finished():
        t0 = time.perf_counter()
        model.train()
        run.begin_epoch(cfg.batch_size)
        steps_before = (run.next_epoch - 1) * len(run.order)  # optimiser steps of past epochs
        for step, idx in enumerate(run.order):
            if run.stop_requested():
                return run.cancel(step)
            x = load_batch(train_set, idx, device)  # (B, 1, H, W)
            costs = train_step(
                step_model,
                optimizer,
                x,
                beta,
                cfg,
                run.gens,
                model_config.denoising,
                step=steps_before + step,
            )
            if costs is None:
                return run.fail_step(step)
            run.add_costs(costs, len(idx))
        train_seconds = time.perf_counter() - t0
        val = dataset_cost(
            model,
            val_set,
            beta,
            batch_size=cfg.batch_size,
            seed=run.seeds["validation"],
            device=device,
            corrupt=cfg.eval_corrupt,
            noise_amount=cfg.noise_amount,
            bf16=bool(cfg.bf16),
            objective=cfg.objective,
            params=cfg.objective_parameters(),
            step=steps_before + len(run.order),
        )
        run.end_epoch(
            val,
            started=t0,
            train_seconds=train_seconds,
            model_state=model.state_dict,
            optimizer_state=optimizer.state_dict,
        )
        if run.result is not None:  # the validation cost was not finite
            return run.result
    return run.finish("completed")
