"""Benchmark: fused grid training (K models as one batched program) against the same K models
trained one after another with train.py's own `train_step` (fused-kernel Adam), on the same
number of model-images, in the same run.

Both sides time the training step only (data loading, forward, cost, backward, Adam) after
`--warmup` untimed steps (of each model in turn; of the fused stack), so neither side is charged
for first-step allocations; the fused steps are timed before and after the sequential block.
Each model draws its own batches from its own shuffle of a shared subset of the shapes training
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vae_core.data import shapes  # noqa: E402
from vae_core.fused import FusedStack, training_costs  # noqa: E402
from vae_core.losses import KL_BETA_MIN  # noqa: E402
from vae_core.models import build_model, model_config_for  # noqa: E402
from vae_core.train import (  # noqa: E402
    _stream_seeds,
    _torch_gen,
    get_train_config,
    load_batch,
    make_optimizer,
    train_step,
)

PAPER_BETAS = [round(0.2 * i, 1) for i in range(26)]  # 0.0 .. 5.0


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _sync(device: torch.device) -> None:
    """Wait for queued device work so wall-clock times are honest."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _batch_indices(n: int, seeds: list[int], steps: int, batch: int) -> list[list[np.ndarray]]:
    """Per model, `steps` batches of its own shuffle of range(n) (as train.py draws them)."""
    out = []
    for seed in seeds:
        order = np.random.default_rng(_stream_seeds(seed)["shuffle"]).permutation(n)
        out.append([order[s * batch : (s + 1) * batch] for s in range(steps)])
    return out


def run_sequential(images, betas, seeds, steps, warmup, batch, cfg, device) -> float:
    """Seconds of training steps for the K models one after another (train.py's step)."""
    model_cfg = model_config_for("shapes", "fc")
    batches = _batch_indices(len(images), seeds, warmup + steps, batch)
    total = 0.0
    for beta, seed, idxs in zip(betas, seeds, batches, strict=True):
        streams = _stream_seeds(seed)
        model = build_model(model_cfg, torch.Generator().manual_seed(streams["init"])).to(device)
        lr = cfg.beta0_learning_rate if beta < KL_BETA_MIN else cfg.learning_rate
        optimizer = make_optimizer(model, lr)
        gens = {n: _torch_gen(streams[n], device) for n in ("noise", "reparam")}
        model.train()
        for i, idx in enumerate(idxs):
            if i == warmup:
                _sync(device)
                t0 = time.perf_counter()
            x = load_batch(images, idx, device)  # (B, 1, 64, 64)
            if train_step(model, optimizer, x, beta, cfg, gens, denoise=False) is None:
                raise RuntimeError("non-finite loss in the benchmark")
        _sync(device)
        total += time.perf_counter() - t0
        del model, optimizer
    return total


class FusedRun:
    """The K models as one fused stack, stepped with train_fused's step; timed per call."""

    def __init__(self, images, betas, seeds, total_steps, batch, cfg, device) -> None:
        model_cfg = model_config_for("shapes", "fc")
        self.batches = _batch_indices(len(images), seeds, total_steps, batch)
        states = []
        for seed in seeds:
            init = torch.Generator().manual_seed(_stream_seeds(seed)["init"])
            model = build_model(model_cfg, init)
            states.append({n: t.to(device) for n, t in model.state_dict().items()})
        template = build_model(model_cfg, torch.Generator().manual_seed(0)).to(device)
        self.stack = FusedStack(template, states)
        self.stack.lrs = [
            cfg.beta0_learning_rate if b < KL_BETA_MIN else cfg.learning_rate for b in betas
        ]
        self.reparam = [_torch_gen(_stream_seeds(s)["reparam"], device) for s in seeds]
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
    parser.add_argument("--steps", type=int, default=1, help="timed training steps per model")
    parser.add_argument("--warmup", type=int, default=1, help="untimed steps before timing")
    parser.add_argument("--subset", type=int, default=10_000, help="training images drawn from")
    parser.add_argument("--cache-dir", type=Path, default=None)
    args = parser.parse_args()

    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda requested but CUDA is not available")
    splits = shapes.build_dataset(seed=0, cache_dir=args.cache_dir)
    images = splits.train.subset(np.arange(min(args.subset, len(splits.train))))
    if args.batch_size * (2 * args.steps + args.warmup) > len(images):
        raise SystemExit("--batch-size x --steps exceeds the subset")
    betas = [float(b) for b in PAPER_BETAS[: args.k]]
    seeds = list(range(len(betas)))
    cfg = get_train_config("paper", device=args.device)
    model_images = len(betas) * args.batch_size * args.steps

    # Fused steps before and after the sequential block, so load drift on a shared machine hits
    # both sides alike; the fused rate is over both halves.
    fused = FusedRun(
        images, betas, seeds, args.warmup + 2 * args.steps, args.batch_size, cfg, device
    )
    fused.run(args.warmup)
    fused_s = fused.run(args.steps)
    seq_s = run_sequential(
        images, betas, seeds, args.steps, args.warmup, args.batch_size, cfg, device
    )
    fused_s = (fused_s + fused.run(args.steps)) / 2
    result = {
        "k": len(betas),
        "fused_img_per_s": round(model_images / fused_s, 1),
        "sequential_img_per_s": round(model_images / seq_s, 1),
        "ratio": round(seq_s / fused_s, 3),
        "device": str(device),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "batch_size": args.batch_size,
        "steps_per_model": args.steps,
        "threads": torch.get_num_threads(),
    }
    if not args.json:
        print(
            f"K={result['k']} batch {args.batch_size} x {args.steps} steps on {device}: fused "
            f"{result['fused_img_per_s']} img/s, sequential {result['sequential_img_per_s']} "
            f"img/s, ratio {result['ratio']}"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
