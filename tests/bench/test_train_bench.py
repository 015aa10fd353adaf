"""bench/train.py keeps its contract: one JSON line with the bf16 keys of the issue, consistent.

The figures are measured, not asserted (README, performance section); this runs it at toy sizes.
"""

from __future__ import annotations

from tests.bench import run_benchmark
from vae_core.precision import cpu_bf16_isa


def test_train_benchmark_reports_gemm_and_step_speedups_with_their_targets() -> None:
    args = ["--json", "--steps", "1", "--warmup", "0", "--rounds", "1", "--images", "200"]
    args += ["--batch", "32", "--drift-steps", "2", "--rss-fraction", "0", "--profile"]
    result = run_benchmark("train.py", args)

    assert result["batch"] == 32 and result["host"]["bf16_isa"] == cpu_bf16_isa()
    fc_gemm = result["gemm"]["fc"]
    assert result["gemm_bf16_over_fp32"] == fc_gemm["bf16_over_fp32"]
    assert fc_gemm["shapes"][:2] == [[4096, 1200], [1200, 1200]]  # the fc encoder's layers
    for arch, share in (("fc", 0.8), ("conv", 0.6)):
        gemm = result["gemm"][arch]
        assert gemm["fp32_gflops"] > 0 and gemm["bf16_gflops"] > 0
        row = result[f"{arch}_bf16"]
        # one round: the speed-up is that round's bf16 step over its fp32 step
        assert abs(row["speedup_over_fp32"] - row["img_per_s"] / result[arch]["img_per_s"]) < 0.01
        assert abs(row["target"] - share * result["gemm_bf16_over_fp32"]) < 0.01
        assert row["meets_target"] == (row["speedup_over_fp32"] >= row["target"])

    # where the conv fp32 step's time goes: the kinds add up to the step's wall time
    profile = result["conv_profile"]
    for side in ("ours", "plain"):
        ms = profile["ms_per_step"][side]
        assert ms["gemm"] > 0 and ms["convolution"] > 0 and ms["optimizer"] > 0
        parts = sum(v for k, v in ms.items() if k != "total")
        assert abs(parts - ms["total"]) <= 0.01 * ms["total"] + 0.1
    ours, plain = profile["ms_per_step"]["ours"], profile["ms_per_step"]["plain"]
    floor = ours["gemm"] + ours["convolution"]
    assert abs(profile["bound_over_plain"] - plain["total"] / floor) < 0.01
