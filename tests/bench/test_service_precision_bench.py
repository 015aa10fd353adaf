"""bench/service_precision.py keeps its contract: fp32 and bf16 runs through the real service,
each recorded in the precision it was asked for, and consistent ratios (toy size: MNIST smoke)."""

from __future__ import annotations

from tests.bench import run_benchmark


def test_service_benchmark_times_both_precisions_and_records_them() -> None:
    args = ["--json", "--dataset", "mnist", "--preset", "smoke", "--model-types", "fc"]
    args += ["--threads", "1", "--timeout-s", "240"]
    result = run_benchmark("service_precision.py", args)

    assert (result["dataset"], result["preset"], result["rounds"]) == ("mnist", "smoke", 1)
    row = result["fc"]
    # the service trained each experiment in the precision its spec asked for, and says so
    assert row["fp32_recorded"] == ["fp32"] and row["bf16_recorded"] == ["bf16"]
    for precision in ("fp32", "bf16"):
        assert 0 < row[f"{precision}_compute_s"] <= row[f"{precision}_wall_s"] + 0.5
    assert abs(row["fp32_over_bf16"] - row["fp32_wall_s"] / row["bf16_wall_s"]) < 0.01
