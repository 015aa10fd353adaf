import math

import pytest

from vae_core.analysis.aggregate import curve, summarise


def run(beta, seed, value, status="completed", model_type="fc", fraction=None):
    return {
        "model_type": model_type,
        "beta": beta,
        "seed": seed,
        "label_fraction": fraction,
        "value": value,
        "status": status,
    }


def test_summary_matches_hand_computed_mean_and_std():
    s = summarise([1.0, 2.0, 4.0])
    assert s["mean"] == pytest.approx(7 / 3)
    assert s["std"] == pytest.approx(math.sqrt(7 / 3))  # squares 16/9 + 1/9 + 25/9 over n-1=2
    assert s["n"] == 3
    assert 1.0 <= s["ci_low"] < s["mean"] < s["ci_high"] <= 4.0


def test_single_run_has_a_mean_but_no_spread():
    s = summarise([0.5])
    assert (s["mean"], s["n"], s["values"]) == (0.5, 1, [0.5])
    assert (s["std"], s["ci_low"], s["ci_high"]) == (None, None, None)


def test_bootstrap_is_seeded():
    assert summarise([1.0, 5.0, 2.0, 8.0], 7) == summarise([1.0, 5.0, 2.0, 8.0], 7)
    assert summarise([1.0, 5.0, 2.0, 8.0], 7) != summarise([1.0, 5.0, 2.0, 8.0], 8)


def test_failed_runs_are_excluded_and_counted_and_values_sorted_by_seed():
    rows = [
        run(0.0, 2, 4.0),
        run(0.0, 0, 1.0),
        run(0.0, 1, 2.0),
        run(0.0, 3, 100.0, status="failed"),
        run(0.0, 4, float("nan")),
    ]
    (point,), _ = curve(rows)
    assert point["values"] == [1.0, 2.0, 4.0]
    assert point["n"] == 3 and point["n_excluded"] == 2
    assert point["mean"] == pytest.approx(7 / 3)


def test_all_failed_point_has_no_statistics():
    (point,), _ = curve([run(1.0, 0, None, status="failed")])
    assert point["n"] == 0 and point["mean"] is None and point["n_excluded"] == 1


def test_trend_is_spearman_over_runs_per_curve():
    rows = [run(b, s, b + 0.1 * s) for b in (0.0, 1.0, 2.0) for s in range(2)]
    rows += [run(b, 0, -b, model_type="conv") for b in (0.0, 1.0, 2.0)]
    rows += [run(b, 0, 1.0, model_type="fc", fraction=0.5) for b in (0.0, 1.0)]
    points, trend = curve(rows)
    by_curve = {(t["model_type"], t["label_fraction"]): t for t in trend}
    # tied beta ranks [1.5,1.5,3.5,3.5,5.5,5.5] vs value ranks 1..6: Pearson = 16 / sqrt(16*17.5)
    assert by_curve[("fc", None)]["spearman_rho"] == pytest.approx(16 / math.sqrt(16 * 17.5))
    assert by_curve[("conv", None)]["spearman_rho"] == pytest.approx(-1.0)
    assert by_curve[("fc", 0.5)]["p_value"] is None  # two betas, constant values
    assert [p["beta"] for p in points if p["model_type"] == "conv"] == [0.0, 1.0, 2.0]
