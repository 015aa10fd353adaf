"""Training throughput of our step vs a plain PyTorch loop of the same architecture, same run.

Also measures the machine's fp32 and bf16 GEMM rates at each model's own layer shapes (the forward,
input-gradient and weight-gradient products of every linear layer at the batch size), and our bf16
step against our fp32 step: the fc step is GEMM-bound, so its bf16 speed-up should keep most of the
GEMM gain (target: fc >= 0.8 x gemm_bf16_over_fp32, conv >= 0.6 x). Plus the loss drift of bf16
after 20 steps and the peak RSS of training the FC model with the full shapes dataset in memory
(subprocess). `--json` prints one line last.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vae_core.data.images import ImageSet  # noqa: E402
from vae_core.data.shapes import ShapesGroundTruth  # noqa: E402
from vae_core.models import build_model, model_config_for  # noqa: E402
from vae_core.precision import cpu_bf16_isa, cpu_name  # noqa: E402
from vae_core.train import (  # noqa: E402
    get_train_config,
    load_batch,
    make_optimizer,
    train_step,
)

BATCH = 1000  # the paper's batch; --batch changes it
TARGET_SHARE = {"fc": 0.8, "conv": 0.6}  # of the GEMM speed-up the bf16 step should keep


# ---- the baseline: a straightforward model and loop, default settings, no tricks -------------


class NaiveFC(nn.Module):
    """The shapes FC β-VAE written plainly."""

    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Sequential(
            nn.Linear(4096, 1200, bias=False), nn.BatchNorm1d(1200), nn.ReLU(),
            nn.Linear(1200, 1200, bias=False), nn.BatchNorm1d(1200), nn.ReLU(),
        )  # fmt: skip
        self.mu, self.logvar = nn.Linear(1200, 10), nn.Linear(1200, 10)
        self.dec = nn.Sequential(
            nn.Linear(10, 1200, bias=False), nn.BatchNorm1d(1200), nn.Tanh(),
            nn.Linear(1200, 1200, bias=False), nn.BatchNorm1d(1200), nn.Tanh(),
            nn.Linear(1200, 1200, bias=False), nn.BatchNorm1d(1200), nn.Tanh(),
            nn.Linear(1200, 4096),
        )  # fmt: skip

    def forward(self, x: torch.Tensor):
        h = self.enc(x.reshape(x.shape[0], -1))
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return self.dec(z).reshape(x.shape), mu, logvar


class NaiveConv(nn.Module):
    """The shapes conv β-VAE written plainly."""

    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Sequential(
            nn.Conv2d(1, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 32, 3, 2, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Flatten(), nn.Linear(8192, 1024, bias=False), nn.BatchNorm1d(1024), nn.ReLU(),
        )  # fmt: skip
        self.mu, self.logvar = nn.Linear(1024, 10), nn.Linear(1024, 10)
        self.dec = nn.Sequential(
            nn.Linear(10, 1024, bias=False), nn.BatchNorm1d(1024), nn.Tanh(),
            nn.Linear(1024, 4096, bias=False), nn.BatchNorm1d(4096), nn.Tanh(),
            nn.Unflatten(1, (64, 8, 8)),
            nn.ConvTranspose2d(64, 16, 3, 2, 1, 1, bias=False), nn.BatchNorm2d(16), nn.Tanh(),
            nn.ConvTranspose2d(16, 4, 3, 2, 1, 1, bias=False), nn.BatchNorm2d(4), nn.Tanh(),
            nn.ConvTranspose2d(4, 1, 3, 2, 1, 1),
        )  # fmt: skip

    def forward(self, x: torch.Tensor):
        h = self.enc(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return self.dec(z), mu, logvar


def plain_stepper(arch: str, images: ImageSet, batch: int = BATCH) -> Callable[[], float]:
    """One step of the plain loop per call: float numpy batch -> tensor, forward, loss, backward,
    Adam; returns the loss."""
    torch.manual_seed(0)
    model = NaiveFC() if arch == "fc" else NaiveConv()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)

    def step() -> float:
        x = torch.from_numpy(images.floats(rng.choice(len(images), batch, replace=False)))
        logits, mu, logvar = model(x)
        recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / batch
        kl = 0.5 * (mu**2 + logvar.exp() - logvar - 1).sum() / batch
        loss = recon + kl
        opt.zero_grad()
        loss.backward()
        opt.step()
        return float(loss.detach())

    return step


def our_stepper(arch: str, images: ImageSet, bf16: bool, batch: int = BATCH) -> Callable[[], float]:
    """One step of the library's path per call (model, batch loader, train_step); the cost."""
    cfg = get_train_config("paper", bf16=bf16)
    model = build_model(model_config_for("shapes", arch), torch.Generator().manual_seed(0))
    opt = make_optimizer(model, cfg.learning_rate)
    gens = {k: torch.Generator().manual_seed(i) for i, k in enumerate(("noise", "reparam"))}
    rng = np.random.default_rng(0)
    device = torch.device("cpu")

    def step() -> float:
        x = load_batch(images, np.sort(rng.choice(len(images), batch, replace=False)), device)
        return float(train_step(model, opt, x, 1.0, cfg, gens, denoise=False)[0])

    return step


def timed(step: Callable[[], float], steps: int, warmup: int, batch: int) -> tuple[float, float]:
    """(images/s over `steps` calls after `warmup`, the last call's loss)."""
    loss = float("nan")
    for _ in range(warmup):
        loss = step()
    t0 = time.perf_counter()
    for _ in range(steps):
        loss = step()
    return steps * batch / (time.perf_counter() - t0), loss


def baseline_rate(
    arch: str, images: ImageSet, steps: int, warmup: int, batch: int = BATCH
) -> float:
    """Images/s of the plain loop."""
    return timed(plain_stepper(arch, images, batch), steps, warmup, batch)[0]


def our_run(
    arch: str, images: ImageSet, steps: int, warmup: int, bf16: bool, batch: int = BATCH
) -> tuple[float, float]:
    """(images/s, loss at the last step) of the library's training step."""
    return timed(our_stepper(arch, images, bf16, batch), steps, warmup, batch)


# ---- where a step's time goes ----------------------------------------------------------------

# aten operators by kind, matched on the operator name after "aten::"; the rest is element-wise
# or layout work. Every operator run inside the optimizer (`Optimizer.step#...`,
# `Optimizer.zero_grad#...`) counts as the optimizer's. Time outside any operator is Python, numpy
# (batch unpacking) and dispatch.
OP_KINDS = {
    "gemm": ("mm", "addmm", "bmm", "embedding_bag", "_embedding_bag"),
    "convolution": ("convolution", "mkldnn_convolution", "convolution_backward", "slow_conv"),
    "batch_norm": ("native_batch_norm", "batch_norm", "_batch_norm"),
}


def op_kind(name: str) -> str:
    """The kind of the aten operator `name` ("aten::mm" -> "gemm") outside the optimizer."""
    op = name.removeprefix("aten::")
    for kind, prefixes in OP_KINDS.items():
        if op.startswith(prefixes):
            return kind
    return "elementwise"


def step_profile(step: Callable[[], float], steps: int, warmup: int) -> dict[str, float]:
    """Milliseconds per step by operator kind (self CPU time under torch.profiler), plus
    `outside_ops` (the step's wall time no operator accounts for) and `total`."""
    for _ in range(warmup):
        step()
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        wall_ms = (time.perf_counter() - t0) * 1e3 / steps
    kinds = dict.fromkeys([*OP_KINDS, "optimizer", "elementwise"], 0.0)
    for event in prof.events():
        if not event.name.startswith("aten::"):
            continue
        parent, kind = event.cpu_parent, op_kind(event.name)
        while parent is not None:
            if parent.name.startswith("Optimizer."):
                kind = "optimizer"
                break
            parent = parent.cpu_parent
        kinds[kind] += event.self_cpu_time_total / 1e3 / steps
    kinds["outside_ops"] = max(0.0, wall_ms - sum(kinds.values()))
    kinds["total"] = wall_ms
    return {k: round(v, 2) for k, v in kinds.items()}


def profile_report(arch: str, images: ImageSet, steps: int, warmup: int, batch: int) -> dict:
    """Both fp32 steps of `arch` profiled, and the best our step could do against the plain loop
    if everything but its GEMMs and convolutions (the same kernels in both) took no time."""
    ours = step_profile(our_stepper(arch, images, False, batch), steps, warmup)
    plain = step_profile(plain_stepper(arch, images, batch), steps, warmup)
    floor = ours["gemm"] + ours["convolution"]
    return {
        "ms_per_step": {"ours": ours, "plain": plain},
        "gemm_conv_share_ours": round(floor / ours["total"], 3),
        "bound_over_plain": round(plain["total"] / floor, 3),
    }


def loss_after(arch: str, images: ImageSet, steps: int, bf16: bool, batch: int = BATCH) -> float:
    """Training cost at step `steps` from the same init, data and noise (fp32 vs bf16 drift)."""
    return our_run(arch, images, steps, 0, bf16, batch)[1]


def train_gflop_per_image(arch: str) -> float:
    """Training FLOPs per image: 3x the forward multiply-adds x2 of linear/conv layers."""
    model = build_model(model_config_for("shapes", arch))
    macs = [0]

    def hook(mod: nn.Module, inp: tuple, out: torch.Tensor) -> None:
        if isinstance(mod, nn.Linear):
            macs[0] += mod.in_features * mod.out_features
        elif isinstance(mod, nn.Conv2d):
            macs[0] += mod.weight[0].numel() * out[0].numel()
        elif isinstance(mod, nn.ConvTranspose2d):
            macs[0] += mod.weight[0].numel() * inp[0][0].numel()  # per input pixel

    for m in model.modules():
        m.register_forward_hook(hook)
    with torch.no_grad():
        model.eval()(torch.rand(1, 1, 64, 64))
    return 3 * 2 * macs[0] / 1e9


def linear_shapes(arch: str) -> list[tuple[int, int]]:
    """(in_features, out_features) of every linear layer of the shapes model `arch`."""
    model = build_model(model_config_for("shapes", arch))
    return [(m.in_features, m.out_features) for m in model.modules() if isinstance(m, nn.Linear)]


def step_gemm_rate(
    shapes: list[tuple[int, int]], batch: int, dtype: torch.dtype, reps: int = 5
) -> float:
    """GFLOP/s of one training step's linear-layer products in `dtype`: per layer X·W (forward),
    dY·Wᵀ (input gradient) and dYᵀ·X (weight gradient), as torch.mm runs them."""
    gen = torch.Generator().manual_seed(0)
    operands = [
        (
            torch.randn(batch, i, generator=gen).to(dtype),
            torch.randn(i, o, generator=gen).to(dtype),
            torch.randn(batch, o, generator=gen).to(dtype),
        )
        for i, o in shapes
    ]

    def once() -> None:
        for x, w, dy in operands:
            torch.mm(x, w)
            torch.mm(dy, w.t())
            torch.mm(dy.t(), x)

    once()
    t0 = time.perf_counter()
    for _ in range(reps):
        once()
    flops = sum(3 * 2 * batch * i * o for i, o in shapes)
    return reps * flops / (time.perf_counter() - t0) / 1e9


def gemm_gflops(reps: int = 10) -> float:
    """fp32 rate of torch.mm on 2048x2048 matrices."""
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    torch.mm(a, b)
    t0 = time.perf_counter()
    for _ in range(reps):
        torch.mm(a, b)
    return reps * 2 * 2048**3 / (time.perf_counter() - t0) / 1e9


def rendered_images(n: int) -> ImageSet:
    """`n` random shapes images, packed, as the dataset stores them."""
    gt = ShapesGroundTruth()
    img = gt.render(gt.sample_factors(n, np.random.default_rng(0))).reshape(n, -1)  # (n, 4096)
    return ImageSet(np.packbits(img, axis=1), (64, 64), packed=True)


def rss_child(fraction: float) -> None:
    """Subprocess body: train the FC model one epoch on the full shapes data; print peak RSS."""
    from vae_core.data.shapes import build_dataset
    from vae_core.train import train

    data = build_dataset(seed=0)
    cfg = get_train_config("paper", train_fraction=fraction, max_epochs=1, validation_cap=5000)
    with tempfile.TemporaryDirectory() as tmp:
        result = train(
            model_config=model_config_for("shapes", "fc"),
            train_config=cfg,
            beta=1.0,
            seed=0,
            data=data,
            checkpoint_dir=Path(tmp),
        )
    assert result.status == "completed", result.reason
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # kB -> MB


def peak_rss_mb(fraction: float) -> float:
    """Peak RSS (MB) of `rss_child` in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, __file__, "--rss-child", str(fraction)],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Parse flags, run every measurement, print a table or one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--steps", type=int, default=8, help="timed steps per measurement")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved repeats; medians kept")
    parser.add_argument("--images", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument("--drift-steps", type=int, default=20, help="steps of the bf16 loss drift")
    parser.add_argument("--rss-fraction", type=float, default=0.05, help="0 skips the RSS run")
    parser.add_argument(
        "--profile", action="store_true", help="add where the conv fp32 step's time goes"
    )
    parser.add_argument("--rss-child", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child is not None:
        rss_child(args.rss_child)
        return

    images = rendered_images(args.images)
    batch = args.batch
    report: dict[str, object] = {
        "host": {"cpu": cpu_name(), "bf16_isa": cpu_bf16_isa(), "torch": torch.__version__},
        "batch": batch,
    }
    gemms, gemm_rows = [], {}
    for arch in ("fc", "conv"):
        flops = train_gflop_per_image(arch)
        shapes = linear_shapes(arch)
        # Interleave the contenders over `rounds` and keep each one's median, so a burst of load
        # on this shared machine does not land on one side only; the bf16 speed-ups are medians
        # of the per-round ratios (both sides measured back to back).
        rates: dict[str, list[float]] = {
            k: [] for k in ("base", "fp32", "bf16", "gemm_fp32", "gemm_bf16")
        }
        for _ in range(args.rounds):
            gemms.append(gemm_gflops())
            rates["gemm_fp32"].append(step_gemm_rate(shapes, batch, torch.float32))
            rates["gemm_bf16"].append(step_gemm_rate(shapes, batch, torch.bfloat16))
            rates["base"].append(baseline_rate(arch, images, args.steps, args.warmup, batch))
            rates["fp32"].append(our_run(arch, images, args.steps, args.warmup, False, batch)[0])
            rates["bf16"].append(our_run(arch, images, args.steps, args.warmup, True, batch)[0])
        med = {k: float(np.median(v)) for k, v in rates.items()}
        ratio = {
            kind: float(np.median(np.divide(rates[f"{kind}bf16"], rates[f"{kind}fp32"])))
            for kind in ("", "gemm_")
        }
        gemm_rows[arch] = {
            "shapes": [list(sh) for sh in shapes],
            "fp32_gflops": round(med["gemm_fp32"], 1),
            "bf16_gflops": round(med["gemm_bf16"], 1),
            "bf16_over_fp32": round(ratio["gemm_"], 3),
        }
        for bf16 in (False, True):
            rate = med["bf16" if bf16 else "fp32"]
            row: dict[str, object] = {
                "img_per_s": round(rate, 1),
                "baseline_img_per_s": round(med["base"], 1),
                "ratio": round(rate / med["base"], 3),
                "model_gflops": round(rate * flops, 1),
                "gemm_gflops": round(float(np.median(gemms)), 1),
            }
            if bf16:
                ref = loss_after(arch, images, args.drift_steps, False, batch)
                low = loss_after(arch, images, args.drift_steps, True, batch)
                row["loss_rel_diff"] = round(abs(low - ref) / abs(ref), 5)
                # Both targets are shares of the GEMM gain at the fc shapes (fc runs first).
                needed = TARGET_SHARE[arch] * float(gemm_rows["fc"]["bf16_over_fp32"])
                row["speedup_over_fp32"] = round(ratio[""], 3)
                row["target"] = round(needed, 3)
                row["meets_target"] = ratio[""] >= needed
            report[f"{arch}_bf16" if bf16 else arch] = row
    report["gemm"] = gemm_rows
    report["gemm_bf16_over_fp32"] = gemm_rows["fc"]["bf16_over_fp32"]  # the shapes
    if args.profile:
        report["conv_profile"] = profile_report("conv", images, args.steps, args.warmup, batch)
    if args.rss_fraction > 0:
        report["peak_rss_mb"] = round(peak_rss_mb(args.rss_fraction), 1)
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key:20s} {value}")


if __name__ == "__main__":
    main()
