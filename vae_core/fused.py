"""Fused grid training: K β-VAEs of one model type on one dataset, trained as one batched program.

Why explicit stacked operations rather than torch.func.vmap(functional_call): each layer of K
models runs as one call, torch.bmm for linear layers, one grouped convolution (groups=K) for conv
and transposed-conv layers, one F.batch_norm over K·C channels for per-model batch norm. Measured
on the 2-core dev CPU (shapes FC, K=4, batch 250, forward + backward, best of 6 while shared):
stacked ops 2.03 s, vmap 2.26 s, one model after another 3.32 s. Beyond that small edge, vmap
cannot draw from K separate torch.Generators inside the mapped function, while the fused run must
consume every model's noise and ε streams exactly as `vae_core.train.train` does; explicit ops also
keep per-model batch-norm running statistics as plain stacked buffers that checkpoints slice.

Semantics mirror `train.train` model by model: the same seed streams (init, training subset,
shuffle, salt-and-pepper noise, ε, validation), batch merging, validation, patience, checkpoint
files (each model's best.pt / latest.pt is an ordinary single-model checkpoint, resumable by
`train.train`, and `train_fused` resumes from single-model latest.pt files). Adam is elementwise,
so train.py's own fused Adam kernel run over each model's slices of the stacked tensors is exactly
that model's optimiser step (bit for bit, tested), with per-model learning rate and step count;
one kernel call per distinct learning rate. A model that finishes (patience or max_epochs), fails
(non-finite cost) or is cancelled leaves the stack: its weights, batch-norm statistics and Adam
state stay exactly as they were, and the others train on. `TrainConfig.compile` is not applied
on the fused path.

Memory on the CPU: a stack's activations and weight gradients are 100-500 MB blocks, which glibc
would map and unmap around every step (1.1 M page faults per K = 26 fc step); training therefore
runs inside `vae_core.heap.large_tensor_heap`, and the stacked linear layers write dW into
persistent buffers (`FusedStack.weight_grads`) rather than a fresh tensor per step. Together
they took the K = 26 fc step on the 2-core dev CPU from 6.7 s to about 4 s.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.adam import adam as adam_kernel

from vae_core.checkpoint import LATEST_NAME, load_checkpoint
from vae_core.config import ModelConfig, TrainConfig
from vae_core.data.images import DataSplits, ImageSet
from vae_core.heap import large_tensor_heap
from vae_core.losses import KL_BETA_MIN, at_least_fp32
from vae_core.models import BetaVAE, build_model
from vae_core.noise import salt_and_pepper
from vae_core.run_state import RunState, autocast, device_of, set_bn_momentum, torch_gen
from vae_core.train import (
    TrainCallback,
    TrainResult,
    load_batch,
    make_optimizer,
    resolve_precision,
)

__all__ = ["FusedStack", "fused_cost", "train_fused", "training_costs"]


# ---- the stacked network ----------------------------------------------------------------------


class _GradSink:
    """A persistent (A, out, in) buffer a stacked linear layer's backward writes dW into."""

    def __init__(self, stack: FusedStack, name: str) -> None:
        self.stack, self.name = stack, name

    def write(self, grad: torch.Tensor, h: torch.Tensor) -> None:
        """dW = gradᵀ @ h per model, into the stack's buffer for this weight."""
        buf = self.stack.weight_grads.get(self.name)
        weight = self.stack.params[self.name]
        if buf is None or buf.shape != weight.shape:
            buf = self.stack.weight_grads[self.name] = torch.empty_like(weight.detach())
        if h.dtype == buf.dtype:
            torch.bmm(grad.transpose(1, 2), h, out=buf)  # (A, out, in)
        else:  # bf16 autocast: the product in bf16, the gradient kept in the weight's dtype
            buf.copy_(torch.bmm(grad.transpose(1, 2), h))
        self.stack.fresh_grads.add(self.name)


class _StackedLinear(torch.autograd.Function):
    """Per-model linear layers, h (A, B, in) @ W (A, out, in)ᵀ + b (A, out), as one bmm.

    Written out for two reasons measured on the CPU (K = 26 fc). Autograd through
    `bmm(h, W.transpose(1, 2))` hands back dW transposed, and accumulating that into the stacked
    parameter costs a copy of every weight each step (28% of a step). And a fresh dW each step
    is a fresh 100-500 MB block: bmm into it ran at 58-79 GFLOP/s against 149-157 into a buffer
    that already exists. So backward writes dW = gradᵀ @ h, in W's own layout, into the stack's
    persistent buffer (`FusedStack.weight_grads`) and hands autograd no weight gradient.
    """

    @staticmethod
    def forward(
        ctx: Any,
        h: torch.Tensor,
        weight: torch.Tensor,
        bias: torch.Tensor | None,
        sink: _GradSink,
    ) -> torch.Tensor:
        device = h.device.type
        if torch.is_autocast_enabled(device):  # a custom Function must cast for itself
            dtype = torch.get_autocast_dtype(device)
            h, weight = h.to(dtype), weight.to(dtype)
            bias = None if bias is None else bias.to(dtype)
        ctx.save_for_backward(h, weight)  # as computed with: backward runs outside autocast
        ctx.has_bias = bias is not None
        ctx.sink = sink
        w_t = weight.transpose(1, 2)  # (A, in, out)
        if bias is None:
            return torch.bmm(h, w_t)  # (A, B, out)
        return torch.baddbmm(bias.unsqueeze(1), h, w_t)  # (A, B, out)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor):  # type: ignore[override]
        h, weight = ctx.saved_tensors
        grad_h = torch.bmm(grad, weight) if ctx.needs_input_grad[0] else None  # (A, B, in)
        if ctx.needs_input_grad[1]:
            ctx.sink.write(grad, h)
        grad_b = grad.sum(1) if ctx.has_bias and ctx.needs_input_grad[2] else None  # (A, out)
        return grad_h, None, grad_b, None


class FusedStack:
    """Stacked weights, batch-norm buffers and Adam state of A models built from one template.

    Activations travel in one of three layouts: "img" (A, B, C, H, W), "fc" (A, B, F) and
    "grp" (B, A·C, H, W), the layout grouped convolutions and per-model batch norm want.
    """

    def __init__(self, template: BetaVAE, states: list[dict[str, torch.Tensor]]) -> None:
        self.template = template
        names = dict(template.named_parameters())
        self.param_names = list(names)
        self.buffer_names = [n for n, _ in template.named_buffers()]
        self.params = {
            n: torch.stack([s[n] for s in states]).detach().requires_grad_() for n in names
        }
        self.buffers = {n: torch.stack([s[n] for s in states]) for n in self.buffer_names}
        self.exp_avg = {n: torch.zeros_like(p) for n, p in self.params.items()}
        self.exp_avg_sq = {n: torch.zeros_like(p) for n, p in self.params.items()}
        # dW of the stacked linear layers, written by _StackedLinear.backward in place (see there);
        # `fresh_grads` names those written since the last zero_grad.
        self.weight_grads: dict[str, torch.Tensor] = {}
        self.fresh_grads: set[str] = set()
        self.steps = [0] * len(states)
        self.lrs = [0.0] * len(states)
        defaults = make_optimizer(template, 1e-3).defaults
        self.adam_betas: tuple[float, float] = defaults["betas"]
        self.adam_eps: float = defaults["eps"]
        self.training = True

    def __len__(self) -> int:
        return len(self.steps)

    # -- forward -------------------------------------------------------------------------------

    def _lin(self, h: torch.Tensor, name: str, module: nn.Module) -> torch.Tensor:
        """(A, B, in) -> (A, B, out) with per-model weights."""
        bias = self.params[f"{name}.bias"] if module.bias is not None else None
        weight = f"{name}.weight"
        return _StackedLinear.apply(h, self.params[weight], bias, _GradSink(self, weight))

    def _bn(
        self, h: torch.Tensor, name: str, module: nn.modules.batchnorm._BatchNorm
    ) -> torch.Tensor:
        """Per-model batch norm on (B, A·C, ...) with stacked running statistics."""
        if self.training:
            self.buffers[f"{name}.num_batches_tracked"].add_(1)
        return F.batch_norm(
            h,
            self.buffers[f"{name}.running_mean"].view(-1),
            self.buffers[f"{name}.running_var"].view(-1),
            self.params[f"{name}.weight"].reshape(-1),
            self.params[f"{name}.bias"].reshape(-1),
            self.training,
            module.momentum if module.momentum is not None else 0.0,
            module.eps,
        )

    def _run(
        self, seq: nn.Module, prefix: str, h: torch.Tensor, layout: str
    ) -> tuple[torch.Tensor, str]:
        """Apply `seq`'s layers for all A models; returns the activation and its layout."""
        a = len(self)
        for child_name, mod in seq.named_children():
            name = f"{prefix}.{child_name}"
            if isinstance(mod, nn.Flatten):
                if layout == "grp":
                    b = h.shape[0]
                    h = h.reshape(b, a, -1).transpose(0, 1)  # (A, B, C*H*W)
                else:
                    h = h.flatten(2)  # (A, B, C*H*W)
                layout = "fc"
            elif isinstance(mod, nn.Unflatten):
                b = h.shape[1]
                c, hh, ww = mod.unflattened_size
                h = h.transpose(0, 1).reshape(b, a * c, hh, ww)  # (B, A*C, H, W)
                layout = "grp"
            elif isinstance(mod, nn.Linear):
                h = self._lin(h, name, mod)  # (A, B, out)
            elif isinstance(mod, nn.BatchNorm1d):
                b, f = h.shape[1], h.shape[2]
                y = self._bn(h.transpose(0, 1).reshape(b, a * f), name, mod)  # (B, A*F)
                h = y.view(b, a, f).transpose(0, 1)  # (A, B, F)
            elif isinstance(mod, nn.BatchNorm2d):
                h = self._bn(h, name, mod)  # (B, A*C, H, W)
            elif isinstance(mod, (nn.Conv2d, nn.ConvTranspose2d)):
                if layout == "img":
                    b, c = h.shape[1], h.shape[2]
                    h = h.transpose(0, 1).reshape(b, a * c, *h.shape[3:])  # (B, A*C, H, W)
                    layout = "grp"
                w = self.params[f"{name}.weight"]
                w = w.reshape(a * w.shape[1], *w.shape[2:])  # (A*C_first, C_second, kh, kw)
                bias = self.params.get(f"{name}.bias")
                bias = None if bias is None else bias.reshape(-1)
                if isinstance(mod, nn.Conv2d):
                    h = F.conv2d(h, w, bias, mod.stride, mod.padding, mod.dilation, groups=a)
                else:
                    padding = cast(tuple[int, ...], mod.padding)  # never a string here
                    h = F.conv_transpose2d(
                        h, w, bias, mod.stride, padding, mod.output_padding, groups=a
                    )  # (B, A*C_out, H', W')
            elif isinstance(mod, (nn.ReLU, nn.Tanh)):
                h = mod(h)
            else:
                raise TypeError(f"no fused rule for layer {name} ({type(mod).__name__})")
        return h, layout

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(A, B, 1, H, W) images -> μ, log σ², each (A, B, latent)."""
        h, layout = self._run(self.template.encoder, "encoder", x, "img")
        if layout != "fc":
            raise TypeError("the encoder must end in a flat layout")
        mu = self._lin(h, "mu_head", self.template.mu_head)
        logvar = self._lin(h, "logvar_head", self.template.logvar_head)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """(A, B, latent) codes -> (A, B, 1, H, W) logits."""
        h, layout = self._run(self.template.decoder, "decoder", z, "fc")
        hh, ww = self.template.image_shape
        if layout == "grp":
            b = h.shape[0]
            return h.view(b, len(self), 1, hh, ww).transpose(0, 1)  # (A, B, 1, H, W)
        return h.reshape(len(self), -1, 1, hh, ww)  # (A, B, 1, H, W)

    # -- optimiser -------------------------------------------------------------------------------

    def zero_grad(self) -> None:
        """Drop the gradients of every stacked parameter (the dW buffers stay, marked stale)."""
        for p in self.params.values():
            p.grad = None
        self.fresh_grads.clear()

    def grad(self, name: str) -> torch.Tensor | None:
        """The gradient of stacked parameter `name` from the last backward, or None."""
        p = self.params[name]
        if p.grad is not None:
            return p.grad
        return self.weight_grads[name] if name in self.fresh_grads else None

    @torch.no_grad()
    def adam_step(self) -> None:
        """One Adam step per model with train.py's fused Adam kernel, applied to per-model slices.

        Adam is elementwise, so the kernel over model k's slices of the stacked tensors is exactly
        model k's own optimiser step (same lr, step count and arithmetic); one call per distinct lr.
        """
        b1, b2 = self.adam_betas
        by_lr: dict[float, list[int]] = {}
        for i, lr in enumerate(self.lrs):
            by_lr.setdefault(lr, []).append(i)
        for lr, positions in by_lr.items():
            lists: tuple[list[torch.Tensor], ...] = ([], [], [], [], [])
            for n, p in self.params.items():
                grad = self.grad(n)
                if grad is None:
                    continue
                for i in positions:
                    step = torch.tensor(float(self.steps[i]), dtype=torch.float32, device=p.device)
                    for out, t in zip(
                        lists,
                        (p[i], grad[i], self.exp_avg[n][i], self.exp_avg_sq[n][i], step),
                        strict=True,
                    ):
                        out.append(t)
            params, grads, exp_avgs, exp_avg_sqs, steps = lists
            adam_kernel(
                params,
                grads,
                exp_avgs,
                exp_avg_sqs,
                [],
                steps,
                fused=True,
                amsgrad=False,
                beta1=b1,
                beta2=b2,
                lr=lr,
                weight_decay=0.0,
                eps=self.adam_eps,
                maximize=False,
            )
        self.steps = [s + 1 for s in self.steps]

    # -- membership ------------------------------------------------------------------------------

    def keep(self, positions: list[int]) -> None:
        """Keep only the models at `positions` (in that order); the others leave unchanged."""
        if positions == list(range(len(self))):
            return
        idx = torch.tensor(
            positions, dtype=torch.long, device=self.params[self.param_names[0]].device
        )
        for n, p in self.params.items():
            grad = p.grad
            self.params[n] = p.detach().index_select(0, idx).requires_grad_()
            if grad is not None:
                self.params[n].grad = grad.index_select(0, idx)
            self.exp_avg[n] = self.exp_avg[n].index_select(0, idx)
            self.exp_avg_sq[n] = self.exp_avg_sq[n].index_select(0, idx)
        for n, b in self.buffers.items():
            self.buffers[n] = b.index_select(0, idx)
        for n in list(self.weight_grads):
            if n in self.fresh_grads:  # retiring between backward and the Adam step
                self.weight_grads[n] = self.weight_grads[n].index_select(0, idx)
            else:  # stale: reallocated at the new size on the next backward
                del self.weight_grads[n]
        self.steps = [self.steps[i] for i in positions]
        self.lrs = [self.lrs[i] for i in positions]

    def model_state(self, i: int) -> dict[str, torch.Tensor]:
        """Model i's state_dict, in the template's key order, as independent tensors."""
        out = {}
        for n in self.template.state_dict():
            src = self.params[n] if n in self.params else self.buffers[n]
            out[n] = src[i].detach().clone()
        return out

    def optimizer_state(self, i: int) -> dict[str, Any]:
        """Model i's Adam state in torch.optim.Adam's state_dict format."""
        sd = make_optimizer(self.template, self.lrs[i]).state_dict()  # train.py's param_groups
        sd["state"] = {
            j: {
                "step": torch.tensor(
                    float(self.steps[i]), dtype=torch.float32, device=self.exp_avg[n].device
                ),
                "exp_avg": self.exp_avg[n][i].clone(),
                "exp_avg_sq": self.exp_avg_sq[n][i].clone(),
            }
            for j, n in enumerate(self.param_names)
        }
        return sd

    def load_optimizer_state(self, i: int, sd: dict[str, Any]) -> None:
        """Set model i's Adam moments and step count from a torch.optim.Adam state_dict."""
        with torch.no_grad():
            for j, n in enumerate(self.param_names):
                st = sd["state"][j]
                self.exp_avg[n][i].copy_(st["exp_avg"])
                self.exp_avg_sq[n][i].copy_(st["exp_avg_sq"])
            self.steps[i] = int(round(float(sd["state"][0]["step"])))
        self.lrs[i] = float(sd["param_groups"][0]["lr"])


def fused_cost(
    logits: torch.Tensor,
    target: torch.Tensor,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    betas: list[float],
) -> torch.Tensor:
    """(3, A) per-model batch means (total, recon, kl), as `vae_loss` gives for each model."""
    logits, mu, logvar = at_least_fp32(logits), at_least_fp32(mu), at_least_fp32(logvar)
    bce = F.binary_cross_entropy_with_logits(logits, at_least_fp32(target), reduction="none")
    recon = bce.flatten(2).sum(dim=2).mean(dim=1)  # (A,)
    kl = (0.5 * (mu.square() + logvar.exp() - logvar - 1.0).sum(dim=2)).mean(dim=1)  # (A,)
    beta_t = torch.tensor(betas, dtype=kl.dtype, device=kl.device)
    use_kl = torch.tensor([b >= KL_BETA_MIN for b in betas], device=kl.device)
    total = torch.where(use_kl, recon + beta_t * kl, recon)  # (A,)
    return torch.stack([total, recon, kl])


def training_costs(
    stack: FusedStack,
    x: torch.Tensor,
    *,
    betas: list[float],
    noise_gens: list[torch.Generator] | None,
    reparam_gens: list[torch.Generator],
    cfg: TrainConfig,
) -> torch.Tensor:
    """One training forward of all A models on their clean batches `x` (A, B, 1, H, W): noise (if
    `noise_gens`), encode, ε per model, decode; (3, A) costs with the graph for backward."""
    inp = x
    if noise_gens is not None:
        inp = torch.stack(
            [
                salt_and_pepper(x[i], cfg.noise_amount, g, cfg.noise_fraction)
                for i, g in enumerate(noise_gens)
            ]
        )  # (A, B, 1, H, W)
    with autocast(x.device, cfg):
        mu, logvar = stack.encode(inp)  # (A, B, latent)
        eps = torch.stack(
            [
                torch.randn(mu.shape[1:], generator=g, device=x.device, dtype=mu.dtype)
                for g in reparam_gens
            ]
        )  # (A, B, latent)
        logits = stack.decode(mu + torch.exp(0.5 * logvar) * eps)  # (A, B, 1, H, W)
        return fused_cost(logits, x, mu, logvar, betas)  # (3, A)


@torch.no_grad()
def _fused_validation(
    stack: FusedStack,
    members: list[RunState],
    images: ImageSet,
    cfg: TrainConfig,
    denoising: bool,
    device: torch.device,
) -> torch.Tensor:
    """(3, A) float64 validation (total, recon, kl) per model, as train.dataset_cost computes it."""
    stack.training = False
    a = len(members)
    gens = [torch_gen(m.seeds["validation"], device) for m in members]
    noise_gens = [torch_gen(m.seeds["validation"] + 1, device) for m in members]
    betas = [m.beta for m in members]
    sums = torch.zeros(3, a, dtype=torch.float64, device=device)
    n = len(images)
    corrupt = cfg.eval_corrupt and denoising
    for start in range(0, n, cfg.batch_size):
        x = load_batch(images, np.arange(start, min(start + cfg.batch_size, n)), device)
        xs = x.unsqueeze(0).expand(a, *x.shape)  # (A, B, 1, H, W)
        inp = xs
        if corrupt:
            inp = torch.stack(
                [salt_and_pepper(x, cfg.noise_amount, g, fraction=1.0) for g in noise_gens]
            )
        with autocast(device, cfg):
            mu, logvar = stack.encode(inp)  # (A, B, latent) each
            eps = torch.stack(
                [
                    torch.randn(mu.shape[1:], generator=g, device=device, dtype=mu.dtype)
                    for g in gens
                ]
            )
            logits = stack.decode(mu + torch.exp(0.5 * logvar) * eps)  # (A, B, 1, H, W)
            costs = fused_cost(logits, xs, mu, logvar, betas)  # (3, A)
        sums += costs.double() * x.shape[0]
    stack.training = True
    return sums / max(n, 1)


# ---- the loop ---------------------------------------------------------------------------------


def train_fused(
    *,
    model_config: ModelConfig,
    train_config: TrainConfig,
    betas: list[float],
    seeds: list[int],
    data: DataSplits,
    checkpoint_dirs: list[Path],
    callbacks: Sequence[TrainCallback | None] | None = None,
    train_indices: np.ndarray | Sequence[np.ndarray | None] | None = None,
) -> list[TrainResult]:
    """Train len(betas) models at once, each as `train.train(beta=betas[k], seed=seeds[k])` would.

    Each model resumes from its own `checkpoint_dirs[k]/latest.pt` when present (written by
    `train.train` or by this function). `train_indices` is one array for every model or a list
    with one entry per model (e.g. per-seed labelled subsets of equal size). Results come back in
    input order. β-VAE only: the other objectives' batch statistics (total correlation, Cov[μ])
    are not stacked, so their runs train one at a time (`train.train`).
    """
    if train_config.objective != "beta_vae":
        raise ValueError(
            f"fused training is for beta_vae; {train_config.objective} runs train one at a time"
        )
    k_models = len(betas)
    callbacks = list(callbacks) if callbacks is not None else [None] * k_models
    if not (len(seeds) == len(checkpoint_dirs) == len(callbacks) == k_models) or k_models == 0:
        raise ValueError(
            "betas, seeds, checkpoint_dirs and callbacks must have one entry per model"
        )
    if train_indices is None or isinstance(train_indices, np.ndarray):
        indices = [train_indices] * k_models
    else:
        indices = list(train_indices)
        if len(indices) != k_models:
            raise ValueError("train_indices must be one array or one entry per model")
    device = device_of(train_config.device)
    ckdirs = [Path(d) for d in checkpoint_dirs]
    saved = [
        load_checkpoint(d / LATEST_NAME, device) if (d / LATEST_NAME).exists() else None
        for d in ckdirs
    ]
    # One precision for the bundle: an interrupted member's, else the device's and model's choice.
    began = next((c for c in saved if c is not None), None)
    cfg = resolve_precision(train_config, model_config, device, began)
    train_set, val_set = data.train, data.validation
    val_set = val_set.subset(np.arange(min(cfg.validation_cap, len(val_set))))

    members: list[RunState] = []
    states: list[dict[str, torch.Tensor]] = []
    template = build_model(model_config, torch.Generator().manual_seed(0)).to(device)
    set_bn_momentum(template, cfg.bn_momentum)  # as train.train: it drives the stack's momentum
    for k in range(k_models):
        m = RunState(
            model_config=model_config,
            cfg=cfg,
            beta=betas[k],
            seed=seeds[k],
            checkpoint_dir=ckdirs[k],
            device=device,
            n_train=len(train_set),
            train_indices=indices[k],
            callback=callbacks[k],
        )
        members.append(m)
        model = build_model(model_config, m.init_generator())
        ckpt = saved[k]
        if ckpt is not None:
            m.check_resumable(ckpt)
            model.load_state_dict(ckpt["model_state"])
        states.append({n: t.to(device) for n, t in model.state_dict().items()})

    stack = FusedStack(template, states)
    for k, m in enumerate(members):
        stack.lrs[k] = m.lr
        ckpt = saved[k]
        if ckpt is not None:
            stack.load_optimizer_state(k, ckpt["optimizer_state"])
            m.restore(ckpt)
    del saved, states

    sizes = {len(m.pool) for m in members}
    if len(sizes) != 1:
        raise ValueError(f"fused models need equal training-set sizes, got {sorted(sizes)}")
    active = list(members)  # active[i] sits at stack position i

    def retire(done: list[int]) -> None:
        """Remove the members at stack positions `done` from the stack and the active list."""
        nonlocal active
        gone = set(done)
        keep = [i for i in range(len(active)) if i not in gone]
        stack.keep(keep)
        active = [active[i] for i in keep]

    already = [i for i, m in enumerate(active) if m.finished()]
    for i in already:
        active[i].finish("completed")
    retire(already)
    denoise = model_config.denoising
    image_shape = (1, *train_set.image_shape)

    with large_tensor_heap(device.type == "cpu"):  # see vae_core.heap
        while active:
            t0 = time.perf_counter()
            for m in active:
                m.begin_epoch(cfg.batch_size)
            for step in range(len(active[0].order)):
                stopped = []
                for i, m in enumerate(active):
                    if m.stop_requested():
                        m.cancel(step)
                        stopped.append(i)
                retire(stopped)
                if not active:
                    break
                a = len(active)
                idx = np.concatenate([m.order[step] for m in active])
                b = len(active[0].order[step])
                x = load_batch(train_set, idx, device).view(a, b, *image_shape)  # (A, B, 1, H, W)
                costs = training_costs(
                    stack,
                    x,
                    betas=[m.beta for m in active],
                    noise_gens=[m.gens["noise"] for m in active] if denoise else None,
                    reparam_gens=[m.gens["reparam"] for m in active],
                    cfg=cfg,
                )  # (3, A)
                finite = torch.isfinite(costs[0]).tolist()
                failed = [i for i, ok in enumerate(finite) if not ok]
                for i in failed:
                    active[i].fail_step(step)
                ok = [i for i, good in enumerate(finite) if good]
                stack.zero_grad()
                if ok:
                    costs[0][ok].sum().backward()  # models share no parameters: per-model gradients
                detached = costs.detach()  # (3, A)
                for i in ok:
                    active[i].add_costs(detached[:, i], b)
                retire(failed)
                if not active:
                    break
                stack.adam_step()
            if not active:
                break
            train_seconds = time.perf_counter() - t0

            val = _fused_validation(stack, active, val_set, cfg, denoise, device).tolist()  # (3, A)
            done = []
            for i, m in enumerate(active):
                m.end_epoch(
                    (val[0][i], val[1][i], val[2][i]),
                    started=t0,
                    train_seconds=train_seconds,
                    model_state=partial(stack.model_state, i),
                    optimizer_state=partial(stack.optimizer_state, i),
                )
                if m.result is None and m.finished():
                    m.finish("completed")
                if m.result is not None:
                    done.append(i)
            retire(done)

    return [cast(TrainResult, m.result) for m in members]
