"""How much training does a CPU-sized grid need to show the paper's trends? Scores by budget.

Issue #16: at `quick`'s cap of 8 epochs the shapes β = 0 models, trained with the paper's learning
rate 3e-5 against 1e-3 for β > 0, barely train, and a nearly untrained encoder scores high on
change-one, which inverts the left end of Figure 1. This measures, per model type, how the scores
move with the training budget (epochs at `quick`'s 10% of the training split) and with the β = 0
learning rate: `paper` (3e-5) or `same` (β = 0 at the learning rate of the other βs).

One training run per (model type, β, seed, β = 0 policy) goes to the largest `--epochs`; whenever
an epoch in `--epochs` ends, the best checkpoint so far is scored. That checkpoint is the one a run
capped at that epoch would end with (training is deterministic and the cap changes nothing before
it), so one run gives every budget. Scored as the service scores a `quick` run: change-one at the
paper's sample sizes, MIG, reconstruction on the test split. Rows are appended to `--out` and
skipped when the script runs again; several processes can share one grid (claims as in
precision_grid.py). The summary gives, per (model type, policy, epochs), the Spearman ρ of
change-one against β over the runs and each β's mean reconstruction. `--json` prints one line last.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import scipy.stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from precision_grid import append, finished_runs, score, start, take, train_shapes  # noqa: E402
from report import host  # noqa: E402

from vae_core.checkpoint import BEST_NAME  # noqa: E402
from vae_core.evaluate import SAMPLE_SIZES  # noqa: E402
from vae_core.losses import KL_BETA_MIN  # noqa: E402
from vae_core.models import MODEL_TYPES  # noqa: E402
from vae_core.train import EpochStats, TrainConfig, get_train_config  # noqa: E402

POLICIES = ("paper", "same")


class KeepBest:
    """Copies the best checkpoint so far aside when an epoch in `epochs` ends."""

    def __init__(self, checkpoint_dir: Path, epochs: list[int]) -> None:
        self.dir, self.epochs = checkpoint_dir, set(epochs)
        self.seconds = 0.0

    def on_epoch(self, stats: EpochStats) -> None:
        self.seconds += stats.seconds
        if stats.epoch in self.epochs:
            shutil.copy(self.dir / BEST_NAME, self.dir / f"best-{stats.epoch}.pt")
            (self.dir / f"seconds-{stats.epoch}").write_text(f"{self.seconds:.1f}")

    def should_stop(self) -> bool:
        return False


def run_one(data, model_type: str, beta: float, seed: int, policy: str, epochs: list[int],
            base: TrainConfig):  # fmt: skip
    """Train one run of `base` to max(epochs); one row per budget it reached (early stopping
    may end it)."""
    cfg = dataclasses.replace(base, max_epochs=max(epochs))
    if policy == "same":
        cfg = dataclasses.replace(cfg, beta0_learning_rate=cfg.learning_rate)
    rows = []
    with tempfile.TemporaryDirectory(prefix="budget-") as tmp:
        keep = KeepBest(Path(tmp), epochs)
        result = train_shapes(data, cfg, model_type, beta, seed, Path(tmp), callback=keep)
        ident = {"model_type": model_type, "beta": beta, "seed": seed, "policy": policy,
                 "preset": cfg.preset, "train_fraction": cfg.train_fraction,
                 "batch_size": cfg.batch_size}  # fmt: skip
        if result.status != "completed":  # e.g. a NaN cost: recorded, and no budget scored
            return [{**ident, "epochs": max(epochs), "status": result.status,
                     "reason": result.reason, "epochs_trained": result.epochs_run}]  # fmt: skip
        for e in sorted(epochs):
            path = Path(tmp) / f"best-{e}.pt"
            if not path.exists():  # stopped early: the last best stands for this budget too
                path, e_run = result.best_checkpoint, result.epochs_run
            else:
                e_run = e
            t0 = time.perf_counter()
            scores = score(data, path, seed, beta, SAMPLE_SIZES[cfg.evaluation])
            seconds = Path(tmp) / f"seconds-{e_run}"  # else it stopped early: all it took
            rows.append(
                {
                    **ident,
                    "status": "completed",
                    "epochs": e,
                    "epochs_trained": e_run,
                    "precision": result.precision,
                    **scores,
                    "train_s": float(seconds.read_text()) if seconds.exists() else keep.seconds,
                    "eval_s": round(time.perf_counter() - t0, 1),
                }
            )
    return rows


def summary(rows: list[dict]) -> list[dict]:
    """Per (model type, policy, epochs): Spearman ρ(β, change-one) and mean recon per β, over
    completed runs; `failed` counts the others."""
    failed = [r for r in rows if r.get("status", "completed") != "completed"]
    rows = [r for r in rows if r.get("status", "completed") == "completed"]
    out = []
    keys = sorted({(r["model_type"], r["policy"], r["epochs"]) for r in rows})
    for model_type, policy, epochs in keys:
        cell = [
            r
            for r in rows
            if (r["model_type"], r["policy"], r["epochs"]) == (model_type, policy, epochs)
        ]
        betas = sorted({r["beta"] for r in cell})
        rho, p = (None, None)
        if len(cell) >= 3 and len(betas) >= 2:
            res = scipy.stats.spearmanr([r["beta"] for r in cell], [r["change_one"] for r in cell])
            rho, p = float(res.statistic), float(res.pvalue)
        mean = {
            q: {
                str(float(b)): round(statistics.fmean(r[q] for r in cell if r["beta"] == b), 4)
                for b in betas
            }
            for q in ("change_one", "recon")
        }
        out.append(
            {
                "model_type": model_type,
                "policy": policy,
                "epochs": epochs,
                "runs": len(cell),
                "failed": sum(
                    1 for r in failed if (r["model_type"], r["policy"]) == (model_type, policy)
                ),
                "spearman_rho": rho,
                "p_value": p,
                "mean": mean,
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench/out/budget.jsonl"))
    parser.add_argument("--model-types", nargs="+", choices=MODEL_TYPES, default=["fc"])
    parser.add_argument("--betas", nargs="+", type=float, default=[0.0, 1.0, 4.0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--epochs", nargs="+", type=int, default=[8, 16, 32])
    parser.add_argument("--policies", nargs="+", choices=POLICIES, default=list(POLICIES))
    parser.add_argument("--preset", default="quick", help="the training preset varied (quick)")
    parser.add_argument("--train-fraction", type=float, help="override the preset's")
    parser.add_argument("--batch-size", type=int, help="override the preset's")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: all)")
    parser.add_argument("--json", action="store_true", help="print one JSON line last")
    args = parser.parse_args()
    overrides = {"train_fraction": args.train_fraction, "batch_size": args.batch_size}
    base = get_train_config(args.preset, **{k: v for k, v in overrides.items() if v is not None})
    data = start(args.threads, args.out)
    t_start = time.perf_counter()
    for policy in args.policies:
        for model_type in args.model_types:
            for beta in args.betas:
                if policy == "same" and beta >= KL_BETA_MIN:
                    continue  # only β = 0 has a learning rate of its own
                for seed in args.seeds:
                    key = (model_type, beta, seed, policy)
                    if take(args.out, key, ("model_type", "beta", "seed", "policy")):
                        append(
                            args.out,
                            run_one(data, model_type, beta, seed, policy, args.epochs, base),
                        )
    done = finished_runs(args.out)
    # the `same` policy changes β = 0 only: its curves take the β > 0 runs from `paper`
    curves = [r for r in done if r["policy"] == "paper"]
    curves += [
        {**r, "policy": "same"} for r in done if r["policy"] == "paper" and r["beta"] >= KL_BETA_MIN
    ]
    curves += [r for r in done if r["policy"] == "same"]
    table = summary(curves)
    for s in table:
        rho = "n/a"
        if s["spearman_rho"] is not None:
            rho = f"{s['spearman_rho']:+.2f} (p {s['p_value']:.2g})"
        print(
            f"{s['model_type']:15s} beta0 lr {s['policy']:5s} {s['epochs']:3d} epochs  "
            f"rho {rho}  change-one {s['mean']['change_one']}  recon {s['mean']['recon']}"
        )
    if args.json:
        report = {
            **host(),
            "rows": len(done),
            "wall_s_this_call": round(time.perf_counter() - t_start, 1),
            "summary": table,
        }
        print(json.dumps(report))


if __name__ == "__main__":
    main()
