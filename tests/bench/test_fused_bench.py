"""bench/fused.py keeps its contract: one JSON line with the issue's keys and consistent figures.

The figures themselves are measured, not asserted (README, performance section); this runs the
benchmark at toy sizes so a change that breaks it is caught here and not on a GPU host.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from tests.bench import run_benchmark


def test_fused_benchmark_prints_its_json_line(tmp_path: Path) -> None:
    args = ["--json", "--k", "2", "--batch-size", "16", "--rounds", "3", "--warmup", "1"]
    args += ["--subset", "400", "--cache-dir", str(tmp_path)]
    result = run_benchmark("fused.py", args)

    issue_keys = {"k", "fused_img_per_s", "sequential_img_per_s", "ratio", "device", "peak_rss_mb"}
    assert issue_keys <= result.keys()
    assert (result["k"], result["device"], result["rounds"]) == (2, "cpu", 3)
    assert result["fused_img_per_s"] > 0 and result["sequential_img_per_s"] > 0
    assert result["peak_rss_mb"] > 100  # torch and two fc models at least
    # the ratio is the median of the rounds' ratios, one per round
    assert len(result["round_ratios"]) == 3
    assert abs(result["ratio"] - statistics.median(result["round_ratios"])) < 1e-3
    # the profiled round's GEMM time: a share of each side's median timed step, and the bound
    # is the sequential step's time over the fused step's GEMM time
    rounds = result["profiled_round"]
    step_s = {
        side: result["k"] * 16 / result[f"{side}_img_per_s"] for side in ("fused", "sequential")
    }
    for side in ("fused", "sequential"):
        assert 0 < rounds[side]["gemm_seconds"] <= rounds[side]["seconds"]
        share = rounds[side]["gemm_seconds"] / step_s[side]
        assert abs(result["gemm_share"][side] - share) <= 0.01 * share + 1e-3
    bound = step_s["sequential"] / rounds["fused"]["gemm_seconds"]
    assert abs(result["ratio_bound"] - bound) <= 0.01 * bound + 1e-3  # rounded figures


def test_fused_benchmark_times_conv_models_and_counts_their_convolutions(tmp_path: Path) -> None:
    args = ["--json", "--k", "2", "--batch-size", "8", "--rounds", "1", "--warmup", "1"]
    args += ["--subset", "200", "--cache-dir", str(tmp_path), "--model-type", "conv"]
    result = run_benchmark("fused.py", args)
    assert result["model_type"] == "conv" and result["fused_img_per_s"] > 0
    rounds = result["profiled_round"]
    for side in ("fused", "sequential"):
        # GEMMs and convolutions, part of the profiled step; no GFLOP/s for a conv model
        assert 0 < rounds[side]["gemm_seconds"] <= rounds[side]["seconds"]
        assert rounds[side]["gemm_gflops"] is None
