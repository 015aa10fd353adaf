"""bench/fused.py keeps its contract: one JSON line with the issue's keys and consistent figures.

The figures themselves are measured, not asserted (README, performance section); this runs the
benchmark at toy sizes so a change that breaks it is caught here and not on a GPU host.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT


def test_fused_benchmark_prints_its_json_line(tmp_path: Path) -> None:
    args = ["--json", "--k", "2", "--batch-size", "16", "--rounds", "3", "--warmup", "1"]
    args += ["--subset", "400", "--cache-dir", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "fused.py"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])

    issue_keys = {"k", "fused_img_per_s", "sequential_img_per_s", "ratio", "device", "peak_rss_mb"}
    assert issue_keys <= result.keys()
    assert (result["k"], result["device"], result["rounds"]) == (2, "cpu", 3)
    assert result["fused_img_per_s"] > 0 and result["sequential_img_per_s"] > 0
    assert result["peak_rss_mb"] > 100  # torch and two fc models at least
    # the ratio is the median of the rounds' ratios, one per round
    assert len(result["round_ratios"]) == 3
    assert abs(result["ratio"] - statistics.median(result["round_ratios"])) < 1e-3
    # the profiled round: GEMMs are a share of each step, and the bound follows from its times
    rounds = result["profiled_round"]
    for side in ("fused", "sequential"):
        assert 0 < rounds[side]["gemm_seconds"] <= rounds[side]["seconds"]
        assert 0 < result["gemm_share"][side] <= 1
    bound = rounds["sequential"]["seconds"] / rounds["fused"]["gemm_seconds"]
    assert abs(result["ratio_bound"] - bound) <= 0.002 * bound + 1e-3  # both rounded
