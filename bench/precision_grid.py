"""Does bf16 training change what a user reads? fp32 vs bf16 on the same grid and seeds.

fc and conv-denoising on shapes x beta in {0, 1, 4} x 3 seeds, the `quick` preset, trained once in
fp32 and once under bf16 autocast from the same seeds, then scored as the service scores a `quick`
run (change-one at the paper's sample sizes, MIG, reconstruction on the test split). For every
(model type, beta) the verdict compares the difference of the two precisions' means with the
larger of their seed standard deviations: bf16 may become a default only for a model type whose
every cell passes (`vae_core.precision.BF16_VALIDATED`). `--model-types` takes any of the four, to
validate another; `--markdown` prints the table as the README shows it.

Each finished run is appended to `--out` (JSON lines) and skipped when the script is run again,
so an interrupted grid resumes. Several processes can share one grid: before training a run a
process claims it (a file in `<out>.claims/` naming its boot and pid, created exclusively), so
each run is trained once; the claim of a process that is gone is taken over. `--json` prints one
line last.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/report.py
from report import host  # noqa: E402

from vae_core.data.shapes import build_dataset  # noqa: E402
from vae_core.evaluate import evaluate_run  # noqa: E402
from vae_core.models import MODEL_TYPES as ALL_MODEL_TYPES  # noqa: E402
from vae_core.models import model_config_for  # noqa: E402
from vae_core.train import (  # noqa: E402
    TrainResult,
    get_train_config,
    load_checkpoint_model,
    train,
)

MODEL_TYPES = ("fc", "conv-denoising")
BETAS = (0.0, 1.0, 4.0)
SEEDS = (0, 1, 2)
METRICS = ["beta_vae_change_one", "mig", "reconstruction"]
READ = {"change_one": "beta_vae_change_one", "mig": "mig", "recon": "recon_loss"}


def train_shapes(data, cfg, model_type: str, beta: float, seed: int, checkpoint_dir: Path,
                 callback=None) -> TrainResult:  # fmt: skip
    """One shapes run of `model_type` trained with `cfg` into `checkpoint_dir`."""
    return train(
        model_config=model_config_for("shapes", model_type),
        train_config=cfg,
        beta=beta,
        seed=seed,
        data=data,
        checkpoint_dir=checkpoint_dir,
        callback=callback,
    )


def score(data, checkpoint: Path, seed: int, beta: float, sizes=None) -> dict[str, float]:
    """change_one, mig and recon of `checkpoint`, as the service scores a `quick` run (at the
    paper's sample sizes unless `sizes`)."""
    model = load_checkpoint_model(checkpoint)
    values = evaluate_run(
        model=model, data=data, metrics=METRICS, seed=seed, beta=beta, sizes=sizes
    ).values
    return {k: values[v] for k, v in READ.items()}


def run_one(data, model_type: str, beta: float, seed: int, bf16: bool) -> dict:
    """Train one `quick` run in a temporary folder and score its best checkpoint."""
    cfg = get_train_config("quick", bf16=bf16)
    with tempfile.TemporaryDirectory(prefix="precision-") as tmp:
        t0 = time.perf_counter()
        result = train_shapes(data, cfg, model_type, beta, seed, Path(tmp))
        train_s = time.perf_counter() - t0
        if result.status != "completed":
            raise RuntimeError(f"{model_type} beta={beta} seed={seed}: {result.reason}")
        t0 = time.perf_counter()
        scores = score(data, result.best_checkpoint, seed, beta)
        eval_s = time.perf_counter() - t0
    return {
        "model_type": model_type,
        "beta": beta,
        "seed": seed,
        "precision": "bf16" if bf16 else "fp32",
        **scores,
        "val_loss": result.best_val_loss,
        "train_s": round(train_s, 1),
        "eval_s": round(eval_s, 1),
    }


def finished_runs(path: Path) -> list[dict]:
    """The runs recorded in `path` (JSON lines), none if it does not exist."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _boot_id() -> str:
    path = Path("/proc/sys/kernel/random/boot_id")
    return path.read_text().strip() if path.exists() else "unknown"


def _alive(claim: str) -> bool:
    """Whether the process a claim's text ("<boot id> <pid>") names is still running."""
    boot, _, pid = claim.partition(" ")
    if boot != _boot_id() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def claim(claims: Path, key: tuple) -> bool:
    """Claim run `key` for this process: True unless a live process holds it already."""
    claims.mkdir(parents=True, exist_ok=True)
    path = claims / "_".join(str(k) for k in key)
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            if _alive(path.read_text()):
                return False
            path.unlink(missing_ok=True)  # its process is gone: take the run over
            continue
        with os.fdopen(fd, "w") as f:
            f.write(f"{_boot_id()} {os.getpid()}")
        return True
    return False


def take(out: Path, key: tuple, fields: tuple[str, ...]) -> bool:
    """True when no row of `out` has `key` in `fields` and this process has claimed it."""
    have = {tuple(r[f] for f in fields) for r in finished_runs(out)}
    return key not in have and claim(out.with_name(out.name + ".claims"), key)


def append(out: Path, rows: list[dict]) -> None:
    """Append finished rows to `out` and echo them."""
    with out.open("a") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    for r in rows:
        print(json.dumps(r), flush=True)


def start(threads: int | None, out: Path):
    """What a grid script does first: torch threads, `out`'s folder, the shapes dataset."""
    if threads is not None:
        torch.set_num_threads(threads)
    out.parent.mkdir(parents=True, exist_ok=True)
    return build_dataset(seed=0)


def verdicts(rows: list[dict]) -> list[dict]:
    """Per (model type, beta, quantity): both means, both stds, |diff| < max(std)?"""
    out = []
    for model_type in [m for m in ALL_MODEL_TYPES if any(r["model_type"] == m for r in rows)]:
        for beta in BETAS:
            cell = [r for r in rows if r["model_type"] == model_type and r["beta"] == beta]
            for key in READ:
                by = {p: [r[key] for r in cell if r["precision"] == p] for p in ("fp32", "bf16")}
                if min(len(v) for v in by.values()) < 2:
                    continue
                means = {p: statistics.fmean(v) for p, v in by.items()}
                stds = {p: statistics.stdev(v) for p, v in by.items()}
                diff = abs(means["bf16"] - means["fp32"])
                out.append(
                    {
                        "model_type": model_type,
                        "beta": beta,
                        "quantity": key,
                        "seeds": min(len(v) for v in by.values()),
                        "fp32_mean": means["fp32"],
                        "bf16_mean": means["bf16"],
                        "fp32_std": stds["fp32"],
                        "bf16_std": stds["bf16"],
                        "abs_diff": diff,
                        "within_seed_std": diff < max(stds.values()),
                    }
                )
    return out


def validated(table: list[dict]) -> dict[str, bool]:
    """Per model type: did all nine (beta, quantity) cells pass?"""
    cells: dict[str, list[bool]] = {}
    for v in table:
        cells.setdefault(v["model_type"], []).append(v["within_seed_std"])
    return {m: len(ok) == len(BETAS) * len(READ) and all(ok) for m, ok in cells.items()}


def markdown(table: list[dict]) -> str:
    """The verdict table, one row per (model type, beta), a column per quantity."""
    names = {"change_one": "change-one", "mig": "MIG", "recon": "reconstruction (nats)"}
    lines = [
        "| model | β | " + " | ".join(names.values()) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    cells: dict[tuple, dict[str, str]] = {}
    for v in table:
        digits = 1 if v["quantity"] == "recon" else 3
        mark = "✓" if v["within_seed_std"] else "**✗**"
        cells.setdefault((v["model_type"], v["beta"]), {})[v["quantity"]] = (
            f"{v['fp32_mean']:.{digits}f} ± {v['fp32_std']:.{digits}f} → "
            f"{v['bf16_mean']:.{digits}f} ± {v['bf16_std']:.{digits}f} {mark}"
        )
    for (model_type, beta), row in cells.items():
        values = " | ".join(row.get(q, "") for q in names)
        lines.append(f"| {model_type} | {beta:g} | {values} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench/out/precision_grid.jsonl"))
    parser.add_argument("--json", action="store_true", help="print one JSON line last")
    parser.add_argument(
        "--model-types",
        nargs="+",
        choices=ALL_MODEL_TYPES,
        default=list(MODEL_TYPES),
        help="train these (default: fc and conv-denoising)",
    )
    parser.add_argument("--markdown", action="store_true", help="print the verdict table")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: all)")
    args = parser.parse_args()
    data = start(args.threads, args.out)
    t_start = time.perf_counter()
    for model_type in args.model_types:
        for beta in BETAS:
            for seed in SEEDS:
                for bf16 in (False, True):  # the same seeds back to back: drift hits both
                    key = (model_type, beta, seed, "bf16" if bf16 else "fp32")
                    if take(args.out, key, ("model_type", "beta", "seed", "precision")):
                        append(args.out, [run_one(data, model_type, beta, seed, bf16)])
    done = finished_runs(args.out)  # with what a concurrent process (--model-types) appended
    table = verdicts(done)
    for v in table:
        mark = "ok" if v["within_seed_std"] else "DIFFERS"
        print(
            f"{v['model_type']:15s} beta={v['beta']:<4} {v['quantity']:10s} "
            f"fp32 {v['fp32_mean']:.4g} ± {v['fp32_std']:.3g}  bf16 {v['bf16_mean']:.4g} ± "
            f"{v['bf16_std']:.3g}  |diff| {v['abs_diff']:.3g}  {mark}"
        )
    report = {
        **host(),
        "runs": len(done),
        "wall_s_this_call": round(time.perf_counter() - t_start, 1),
        "validated": validated(table),
        "train_s": {
            p: round(sum(r["train_s"] for r in done if r["precision"] == p), 1)
            for p in ("fp32", "bf16")
        },
        "verdicts": table,
    }
    if args.markdown:
        print(markdown(table))
    if args.json:
        print(json.dumps(report))


if __name__ == "__main__":
    main()
