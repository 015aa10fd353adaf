"""The paper's findings as verdicts, on synthetic result tables whose answers are known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vae_core.analysis import findings as fd

BETAS = [0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0]


def table(
    model_type: str,
    curve,  # beta -> mean value
    seeds: int = 3,
    noise: float = 0.0,
    betas: list[float] = BETAS,
    label_fraction: float | None = None,
    rng_seed: int = 0,
) -> list[dict]:
    rng = np.random.default_rng(rng_seed)
    return [
        {
            "model_type": model_type,
            "beta": b,
            "seed": s,
            "label_fraction": label_fraction,
            "value": float(curve(b) + noise * rng.standard_normal()),
            "status": "completed",
        }
        for b in betas
        for s in range(seeds)
    ]


def by_id(found: list[fd.Finding], fid: str, model_type: str | None = None, fraction=None):
    hits = [
        f
        for f in found
        if f.id == fid
        and (model_type is None or f.model_type == model_type)
        and (fraction is None or f.label_fraction == fraction)
    ]
    assert len(hits) == 1, hits
    return hits[0]


# ---- F1 -------------------------------------------------------------------------------------


def test_f1_spread_within_beta_is_measured_as_one_minus_r_squared() -> None:
    # Two betas, values chosen by hand: group means 0.5 and 0.7, grand mean 0.6.
    rows = [
        {"model_type": "fc", "beta": b, "seed": s, "value": v, "label_fraction": None}
        for b, values in ((0.0, (0.4, 0.6)), (1.0, (0.6, 0.8)))
        for s, v in enumerate(values)
    ]
    found = fd.f1_variance(rows, "fc")
    # SS_within = 4 x 0.1² = 0.04; SS_between = 4 x 0.1² = 0.04; SS_total = 0.08
    assert math.isclose(found.numbers["within_beta_share"], 0.5)
    assert math.isclose(found.numbers["r_squared"], 0.5)
    assert math.isclose(found.numbers["mean_within_beta_std"], math.sqrt(0.02))
    assert found.verdict == "reproduced"


def test_f1_noisy_seeds_reproduce_and_quiet_ones_do_not() -> None:
    noisy = table("conv", lambda b: 0.5 + 0.02 * b, noise=0.08)
    quiet = table("fc", lambda b: 0.4 + 0.08 * b, noise=0.002)
    found = fd.findings(noisy + quiet, "shapes")
    assert by_id(found, "F1", "conv").verdict == "reproduced"
    f1_fc = by_id(found, "F1", "fc")
    assert f1_fc.verdict == "not reproduced"
    assert f1_fc.numbers["within_beta_share"] < 0.01


def test_f1_without_replicated_betas_is_inconclusive() -> None:
    found = fd.f1_variance(table("fc", lambda b: b, seeds=1), "fc")
    assert found.verdict == "inconclusive" and found.numbers["replicated_betas"] == 0


# ---- F2 -------------------------------------------------------------------------------------


def test_f2_rising_curves_reproduce_and_the_steadiest_is_named() -> None:
    rows = table("conv-denoising", lambda b: 0.4 + 0.1 * b, noise=0.01)
    rows += table("fc", lambda b: 0.5 + 0.03 * b, noise=0.05, rng_seed=1)
    rows += table("conv", lambda b: 0.6, noise=0.05, rng_seed=2)  # flat
    found = fd.findings(rows, "shapes")
    assert by_id(found, "F2a", "conv-denoising").verdict == "reproduced"
    assert by_id(found, "F2a", "conv").verdict == "not reproduced"
    steadiest = by_id(found, "F2b")
    assert steadiest.verdict == "reproduced"
    assert steadiest.numbers["steadiest"] == "conv-denoising"
    rho = by_id(found, "F2a", "conv-denoising").numbers["spearman_rho"]
    assert steadiest.numbers["spearman_rho_conv-denoising"] == rho > 0.9


def test_f2_a_falling_curve_is_not_a_rise_and_another_steadier_model_wins() -> None:
    rows = table("conv-denoising", lambda b: 0.9 - 0.05 * b, noise=0.01)
    rows += table("fc", lambda b: 0.4 + 0.1 * b, noise=0.01, rng_seed=1)
    found = fd.findings(rows, "shapes")
    falling = by_id(found, "F2a", "conv-denoising")
    assert falling.verdict == "not reproduced" and falling.numbers["spearman_rho"] < 0
    steadiest = by_id(found, "F2b")
    assert steadiest.verdict == "not reproduced" and steadiest.numbers["steadiest"] == "fc"


def test_f2_too_few_runs_is_inconclusive() -> None:
    rows = table("fc", lambda b: b, seeds=1, betas=[0.0, 1.0, 4.0])
    found = fd.findings(rows, "shapes")
    assert by_id(found, "F2a", "fc").verdict == "inconclusive"
    assert by_id(found, "F2b").verdict == "inconclusive"  # no conv-denoising at all
    assert by_id(found, "F2c").verdict == "inconclusive"  # no fc-denoising


def test_f2c_a_saturating_curve_flattens_and_a_straight_line_does_not() -> None:
    saturating = table("fc-denoising", lambda b: 0.9 - 0.5 * math.exp(-b), noise=0.01)
    flat = fd.f2c_flattening(saturating)
    assert flat.verdict == "reproduced"
    assert flat.numbers["slope_upper"] < flat.numbers["slope_lower"]
    assert flat.numbers["ci_low"] <= flat.numbers["slope_difference"] <= flat.numbers["ci_high"] < 0

    straight = fd.f2c_flattening(table("fc-denoising", lambda b: 0.3 + 0.1 * b, noise=0.01))
    assert straight.verdict == "not reproduced"
    assert straight.numbers["ci_high"] > 0  # a bend of either sign is within its noise
    assert abs(straight.numbers["slope_difference"]) < 0.02


def test_f2c_halves_share_an_odd_middle_beta() -> None:
    # Seven betas: lower half 0..2, upper half 2..5; an exact line has the same slope in both.
    found = fd.f2c_flattening(table("fc-denoising", lambda b: 0.2 + 0.1 * b))
    assert math.isclose(found.numbers["slope_lower"], 0.1)
    assert math.isclose(found.numbers["slope_upper"], 0.1)
    assert "β ≥ 2" in found.reason and "β ≤ 2" in found.reason


# ---- F3 -------------------------------------------------------------------------------------

MNIST_BETAS = [0.0, 0.1, 0.5, 1.0, 2.0, 4.0]


def mnist(model_type: str, fraction: float, peak: float, noise: float = 0.003, seed: int = 0):
    """The paper's shape: a jump from β = 0 to 0.1, then a decline."""

    def curve(b: float) -> float:
        return peak - 0.03 if b == 0 else peak - 0.02 * b

    return table(model_type, curve, 3, noise, MNIST_BETAS, fraction, seed)


def test_f3_the_papers_shape_reproduces_every_mnist_finding() -> None:
    rows = mnist("fc", 0.1, 0.80) + mnist("fc", 1.0, 0.95, seed=1)
    rows += mnist("conv", 0.1, 0.85, seed=2) + mnist("conv", 1.0, 0.96, seed=3)
    found = fd.findings(rows, "mnist")
    assert {f.verdict for f in found} == {"reproduced"}, [
        (f.id, f.model_type, f.label_fraction, f.reason) for f in found if f.verdict != "reproduced"
    ]
    jump = by_id(found, "F3a", "fc", 0.1)
    assert jump.numbers["beta_after"] == 0.1 and jump.numbers["pairs"] == 3
    assert abs(jump.numbers["mean_difference"] - 0.028) < 0.01
    labels = by_id(found, "F3c", "conv")
    assert labels.numbers["betas_ordered"] == labels.numbers["betas_compared"] == 6
    robust = by_id(found, "F3d")
    assert robust.label_fraction == 0.1 and robust.numbers["pairs"] == 18
    assert robust.numbers["drop_conv"] < robust.numbers["drop_fc"]


def test_f3_a_missing_jump_and_fc_beating_conv_are_not_reproduced() -> None:
    no_jump = table("fc", lambda b: 0.9 - 0.02 * b, 3, 0.003, MNIST_BETAS, 0.1)  # best at β = 0
    conv = table("conv", lambda b: 0.7 - 0.02 * b, 3, 0.003, MNIST_BETAS, 0.1, rng_seed=1)
    found = fd.findings(no_jump + conv, "mnist")
    jump = by_id(found, "F3a", "fc", 0.1)
    assert jump.verdict == "not reproduced" and jump.numbers["mean_difference"] < 0
    assert by_id(found, "F3d").verdict == "not reproduced"
    assert by_id(found, "F3c", "fc").verdict == "inconclusive"  # one label fraction only


def test_f3_one_seed_cannot_decide_a_paired_jump() -> None:
    rows = table("fc", lambda b: 0.9 if b else 0.8, 1, 0.0, MNIST_BETAS, 1.0)
    found = fd.findings(rows, "mnist")
    jump = by_id(found, "F3a", "fc", 1.0)
    assert jump.verdict == "inconclusive" and jump.numbers["pairs"] == 1
    assert math.isclose(jump.numbers["mean_difference"], 0.1)


def test_failed_and_non_finite_runs_are_left_out() -> None:
    rows = mnist("fc", 1.0, 0.95)
    broken = dict(rows[0], value=float("nan"))
    failed = dict(rows[1], status="failed", value=0.0)
    clean = fd.findings(rows[2:], "mnist")
    assert fd.findings([broken, failed, *rows[2:]], "mnist") == clean


def test_findings_are_plain_json_values() -> None:
    import json

    rows = mnist("fc", 0.1, 0.8) + mnist("conv", 0.1, 0.85, seed=1)
    for f in fd.findings(rows, "mnist"):
        back = json.loads(json.dumps(f.to_dict(), allow_nan=False))
        assert back["verdict"] in ("reproduced", "not reproduced", "inconclusive")


def test_an_unknown_dataset_is_refused() -> None:
    with pytest.raises(ValueError, match="no findings"):
        fd.findings([], "cifar")
