"""Benchmark: fused grid training (K models as one batched program) against the same K models
trained one after another with train.py's own `train_step` (fused-kernel Adam), on the same
number of model-images, in the same run.

Both sides time the training step only (data loading, forward, cost, backward, Adam), after
`--warmup` untimed steps each (every sequential model; the fused stack), so neither side is charged
for first-step allocations or for the malloc heap growing to the step's working set. Everything
runs inside `vae_core.heap.large_tensor_heap`, as train_fused does (see the comment in `main`).
`--rounds` short rounds alternate which side goes first; the ratio is the median of the rounds'
ratios and the rates are medians over rounds; the JSON line carries every round's ratio and each
side's minor page faults per timed step.

One more, untimed round runs each side under torch.profiler and takes its matrix multiplies'
(mm/addmm/bmm/baddbmm) time. The same models at the same batch size do the same GEMM FLOPs fused
or not, so the ratio fusing can reach is bounded by the sequential step's time over the fused
step's GEMM time alone (`ratio_bound`: a fused step with no overhead at all, its GEMMs running as
fast as they do now). Shares and bound divide by the timed rounds' median step: the profiler
slows the fused step's other ops by ~0.4 s but not its GEMMs (timed by hand without it: 2.46-2.58 s
of a 2.8-2.9 s K = 26 fp32 step, against the profiler's 2.50 s).
Each model draws its own batches from its own shuffles of a shared subset of the shapes training
split. Images are counted as model-images: a fused step over K models of batch B counts K·B.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vae_core.data import shapes  # noqa: E402
from vae_core.fused import FusedStack, training_costs  # noqa: E402
from vae_core.heap import large_tensor_heap  # noqa: E402
from vae_core.losses import KL_BETA_MIN  # noqa: E402
from vae_core.models import build_model, model_config_for  # noqa: E402
from vae_core.run_state import stream_seeds, torch_gen  # noqa: E402
from vae_core.train import (  # noqa: E402
    get_train_config,
    load_batch,
    make_optimizer,
    train_step,
)

PAPER_BETAS = [round(0.2 * i, 1) for i in range(26)]  # 0.0 .. 5.0


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def minor_faults() -> int:
    """Minor page faults of this process so far (each a page the kernel had to map and zero)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


GEMM_OPS = ("aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm")
# A conv model's other big kernels; self times, so the wrappers around them add next to nothing.
CONV_OPS = ("aten::convolution", "aten::_convolution", "aten::mkldnn_convolution",
            "aten::convolution_backward", "aten::mkldnn_convolution_backward")  # fmt: skip


def step_macs_per_image(model: torch.nn.Module) -> int:
    """Multiply-adds of one image in one training step of an fc model: every linear layer's
    forward, input gradient and weight gradient, less the first layer's input gradient (the
    images need none)."""
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    macs = [m.in_features * m.out_features for m in linears]
    return 3 * sum(macs) - macs[0]


def _sync(device: torch.device) -> None:
    """Wait for queued device work so wall-clock times are honest."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _batch_indices(n: int, seeds: list[int], steps: int, batch: int) -> list[list[np.ndarray]]:
    """Per model, `steps` batches of its own shuffles of range(n) (as train.py draws them)."""
    out = []
    for seed in seeds:
        rng = np.random.default_rng(stream_seeds(seed)["shuffle"])
        epochs = -(-steps * batch // n)
        order = np.concatenate([rng.permutation(n) for _ in range(epochs)])
        out.append([order[s * batch : (s + 1) * batch] for s in range(steps)])
    return out


class SequentialRun:
    """The K models as K ordinary models, each stepped with train.py's `train_step` in turn."""

    def __init__(self, images, betas, seeds, total_steps, batch, cfg, device, model_type) -> None:
        model_cfg = model_config_for("shapes", model_type)
        self.batches = _batch_indices(len(images), seeds, total_steps, batch)
        self.members = []
        for beta, seed in zip(betas, seeds, strict=True):
            streams = stream_seeds(seed)
            init = torch.Generator().manual_seed(streams["init"])
            model = build_model(model_cfg, init).to(device)
            lr = cfg.beta0_learning_rate if beta < KL_BETA_MIN else cfg.learning_rate
            gens = {n: torch_gen(streams[n], device) for n in ("noise", "reparam")}
            model.train()
            self.members.append((beta, model, make_optimizer(model, lr), gens))
        self.images, self.cfg, self.device = images, cfg, device
        self.step_no = 0

    def run(self, steps: int) -> float:
        """Seconds for the next `steps` steps of each model, one model after another."""
        _sync(self.device)
        t0 = time.perf_counter()
        for (beta, model, optimizer, gens), batches in zip(self.members, self.batches, strict=True):
            for s in range(self.step_no, self.step_no + steps):
                x = load_batch(self.images, batches[s], self.device)  # (B, 1, 64, 64)
                if train_step(model, optimizer, x, beta, self.cfg, gens, denoise=False) is None:
                    raise RuntimeError("non-finite loss in the benchmark")
        _sync(self.device)
        self.step_no += steps
        return time.perf_counter() - t0


class FusedRun:
    """The K models as one fused stack, stepped with train_fused's step; timed per call."""

    def __init__(self, images, betas, seeds, total_steps, batch, cfg, device, model_type) -> None:
        model_cfg = model_config_for("shapes", model_type)
        self.batches = _batch_indices(len(images), seeds, total_steps, batch)
        states = []
        for seed in seeds:
            init = torch.Generator().manual_seed(stream_seeds(seed)["init"])
            model = build_model(model_cfg, init)
            states.append({n: t.to(device) for n, t in model.state_dict().items()})
        template = build_model(model_cfg, torch.Generator().manual_seed(0)).to(device)
        self.stack = FusedStack(template, states)
        self.stack.lrs = [
            cfg.beta0_learning_rate if b < KL_BETA_MIN else cfg.learning_rate for b in betas
        ]
        self.reparam = [torch_gen(stream_seeds(s)["reparam"], device) for s in seeds]
        self.images, self.betas, self.batch, self.cfg, self.device = (
            images, betas, batch, cfg, device
        )  # fmt: skip
        self.step_no = 0

    def run(self, steps: int) -> float:
        """Seconds for the next `steps` fused steps."""
        k = len(self.betas)
        _sync(self.device)
        t0 = time.perf_counter()
        for _ in range(steps):
            idx = np.concatenate([b[self.step_no] for b in self.batches])
            self.step_no += 1
            x = load_batch(self.images, idx, self.device).view(k, self.batch, 1, 64, 64)
            costs = training_costs(
                self.stack,
                x,
                betas=self.betas,
                noise_gens=None,
                reparam_gens=self.reparam,
                cfg=self.cfg,
            )  # (3, K)
            if not all(torch.isfinite(costs[0]).tolist()):
                raise RuntimeError("non-finite loss in the benchmark")
            self.stack.zero_grad()
            costs[0].sum().backward()
            self.stack.adam_step()
        _sync(self.device)
        return time.perf_counter() - t0


def main() -> None:
    """Time fused against sequential training on the paper's β grid; print ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--json", action="store_true", help="print one JSON line last")
    parser.add_argument("--k", type=int, default=26, help="models: the first K βs of 0..5/0.2")
    parser.add_argument("--batch-size", type=int, default=250)
    parser.add_argument("--steps", type=int, default=1, help="timed steps per model per round")
    parser.add_argument("--rounds", type=int, default=7, help="alternating fused/sequential rounds")
    parser.add_argument(
        "--warmup", type=int, default=3, help="untimed steps before timing (the heap settles)"
    )
    parser.add_argument("--subset", type=int, default=10_000, help="training images drawn from")
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument(
        "--bf16", action="store_true", help="both sides under bf16 autocast (default: fp32)"
    )
    parser.add_argument(
        "--model-type",
        default="fc",
        choices=["fc", "conv"],
        help="conv: the bound counts convolutions with the GEMMs, and no GFLOP/s is given",
    )
    args = parser.parse_args()

    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda requested but CUDA is not available")
    splits = shapes.build_dataset(seed=0, cache_dir=args.cache_dir)
    images = splits.train.subset(np.arange(min(args.subset, len(splits.train))))
    betas = [float(b) for b in PAPER_BETAS[: args.k]]
    seeds = list(range(len(betas)))
    cfg = get_train_config("paper", device=args.device, bf16=args.bf16)
    model_images = len(betas) * args.batch_size * args.steps  # per side per round
    total = args.warmup + args.rounds * args.steps + 1  # + the profiled round
    sides = (images, betas, seeds, total, args.batch_size, cfg, device, args.model_type)
    fused, sequential = FusedRun(*sides), SequentialRun(*sides)
    kernels = GEMM_OPS + (CONV_OPS if args.model_type == "conv" else ())

    def profiled(side: FusedRun | SequentialRun) -> dict[str, float | None]:
        """One step of `side` under the profiler: wall seconds, GEMM (and, for conv, convolution)
        seconds and, for fc, GEMM GFLOP/s.

        On CUDA a GEMM's time is its kernels' device time (the CPU only launches them)."""
        cuda = device.type == "cuda"
        activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
        with profile(activities=activities) as prof:
            seconds = side.run(1)
        gemm_us = sum(
            e.self_device_time_total if cuda else e.self_cpu_time_total
            for e in prof.key_averages()
            if e.key in kernels
        )
        gemm_s = gemm_us / 1e6
        if args.model_type != "fc":
            return {"seconds": seconds, "gemm_seconds": gemm_s, "gemm_gflops": None}
        flop = 2 * step_macs_per_image(sequential.members[0][1]) * len(betas) * args.batch_size
        return {"seconds": seconds, "gemm_seconds": gemm_s, "gemm_gflops": flop / gemm_s / 1e9}

    def timed(side: FusedRun | SequentialRun, steps: int) -> tuple[float, int]:
        faults = minor_faults()
        seconds = side.run(steps)
        return seconds, minor_faults() - faults

    # The whole comparison runs inside large_tensor_heap, the regime train_fused trains in. It
    # serves the fused stack's 100-500 MB blocks from the heap; the sequential models' blocks
    # (≤ 20 MB) come from the heap in glibc's ordinary regime too once it has adapted, so their
    # side is unchanged by it, which the page-fault counts in the JSON line show.
    times: dict[str, list[float]] = {"fused": [], "sequential": []}
    faults = {"fused": 0, "sequential": 0}
    with large_tensor_heap(device.type == "cpu"):
        sequential.run(args.warmup)
        fused.run(args.warmup)  # last, so the heap it grows is not carved up before round 0
        # Short rounds that alternate which side goes first: a shared machine's speed drifts by
        # tens of percent within a minute, and each round's ratio compares neighbours in time.
        for r in range(args.rounds):
            order: list[tuple[str, FusedRun | SequentialRun]] = [
                ("fused", fused),
                ("sequential", sequential),
            ]
            for name, side in order if r % 2 == 0 else order[::-1]:
                seconds, flt = timed(side, args.steps)
                times[name].append(seconds)
                faults[name] += flt
        # the Amdahl bound, from one more round of each side under the profiler (untimed)
        split = {"sequential": profiled(sequential), "fused": profiled(fused)}
    round_ratios = [q / f for f, q in zip(times["fused"], times["sequential"], strict=True)]
    fused_s = float(np.median(times["fused"]))
    seq_s = float(np.median(times["sequential"]))
    step_s = {"fused": fused_s / args.steps, "sequential": seq_s / args.steps}  # K models, 1 step
    result = {
        "k": len(betas),
        "fused_img_per_s": round(model_images / fused_s, 1),
        "sequential_img_per_s": round(model_images / seq_s, 1),
        "ratio": round(float(np.median(round_ratios)), 3),
        "device": str(device),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "batch_size": args.batch_size,
        "steps_per_round": args.steps,
        "rounds": args.rounds,
        "round_ratios": [round(r, 3) for r in round_ratios],
        "minor_faults_per_step": {
            side: round(n / (args.rounds * args.steps * (1 if side == "fused" else len(betas))))
            for side, n in faults.items()
        },
        "threads": torch.get_num_threads(),
        "precision": "bf16" if args.bf16 else "fp32",
        "model_type": args.model_type,
        "profiled_round": {
            side: {k: None if v is None else float(f"{v:.4g}") for k, v in d.items()}
            for side, d in split.items()
        },
        "gemm_share": {
            side: round(d["gemm_seconds"] / step_s[side], 3) for side, d in split.items()
        },
        "ratio_bound": round(step_s["sequential"] / split["fused"]["gemm_seconds"], 3),
    }
    if not args.json:
        print(
            f"K={result['k']} batch {args.batch_size}, {args.rounds} rounds x {args.steps} "
            f"steps on {device}: median fused "
            f"{result['fused_img_per_s']} img/s, sequential {result['sequential_img_per_s']} "
            f"img/s, ratio {result['ratio']}"
        )
        what = "GEMMs" if args.model_type == "fc" else "GEMMs and convolutions"
        print(
            f"{what} (profiled round) are {result['gemm_share']['sequential']:.0%} of the "
            f"sequential step and {result['gemm_share']['fused']:.0%} of the fused step: a fused "
            f"step that were nothing but them would reach ratio {result['ratio_bound']}"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
