"""End to end through the service: the same `quick` runs in fp32 and under bf16 autocast.

One CPU worker using every core trains a shapes experiment of fc and conv-denoising at beta = 1,
seed 0, first with `training.bf16 = false`, then with `training.bf16 = true` (the rounds alternate
when there are more than one). Per model type it reports each precision's run time as the service
records it (started -> finished, training and scoring), the seconds spent inside vae_core, the
precision the run says it trained in, and fp32 time over bf16 time. Embedded stack by default
(bench/service.py). `--json` prints one line last.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import emit  # noqa: E402
from service import running_service  # noqa: E402

from persistence.models import RunStatus  # noqa: E402
from vae_core.precision import cpu_bf16_isa, cpu_name  # noqa: E402

MODEL_TYPES = ["fc", "conv-denoising"]


def spec(name: str, dataset: str, preset: str, bf16: bool, model_types: list[str]) -> dict:
    """One run per model type at beta = 1, seed 0, scored on reconstruction only."""
    return {
        "name": name,
        "dataset": dataset,
        "model_types": model_types,
        "betas": [1.0],
        "seeds": [0],
        "metrics": ["reconstruction"],
        "training": {"preset": preset, "bf16": bf16},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="shapes")
    parser.add_argument("--preset", default="quick")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--model-types", nargs="+", default=MODEL_TYPES)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout-s", type=float, default=7200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    times: dict[tuple[str, str], list[dict]] = {}
    with running_service(args.threads) as service:
        for i in range(args.rounds):
            order = ("fp32", "bf16") if i % 2 == 0 else ("bf16", "fp32")
            for precision in order:
                name = f"{precision}-{i}"
                experiment = service.post(
                    spec(name, args.dataset, args.preset, precision == "bf16", args.model_types)
                )
                for run in service.finished(experiment, timeout=args.timeout_s):
                    if run.status != RunStatus.completed:
                        raise RuntimeError(f"{name} run {run.id}: {run.failure_reason}")
                    assert run.started_at is not None and run.finished_at is not None
                    times.setdefault((run.model_type, precision), []).append(
                        {
                            "wall_s": (run.finished_at - run.started_at).total_seconds(),
                            "compute_s": run.compute_seconds,
                            "recorded": run.precision,
                        }
                    )
    report: dict[str, object] = {
        "host": {"cpu": cpu_name(), "bf16_isa": cpu_bf16_isa()},
        "dataset": args.dataset,
        "preset": args.preset,
        "rounds": args.rounds,
        "threads": args.threads,
    }
    for model_type in args.model_types:
        row: dict[str, object] = {}
        for precision in ("fp32", "bf16"):
            got = times[(model_type, precision)]
            row[f"{precision}_wall_s"] = round(statistics.median(t["wall_s"] for t in got), 1)
            row[f"{precision}_compute_s"] = round(statistics.median(t["compute_s"] for t in got), 1)
            row[f"{precision}_recorded"] = sorted({str(t["recorded"]) for t in got})
        row["fp32_over_bf16"] = round(float(row["fp32_wall_s"]) / float(row["bf16_wall_s"]), 3)
        report[model_type] = row
    emit(report, as_json=args.json, width=16)


if __name__ == "__main__":
    main()
