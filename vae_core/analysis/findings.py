"""The paper's findings (PROTOCOL §6) as verdicts computed from an experiment's per-run scores.

Each finding is a stated test at significance ALPHA and comes back `reproduced`, `not reproduced`,
or `inconclusive` (too few runs for the test to decide either way), with the numbers behind it.

- F1 (shapes) runs of equal β vary strongly: per model type, the share of the change-one variance
  left within equal-β groups (1 − R² of a one-way ANOVA on β) and the mean within-β standard
  deviation. Reproduced when at least F1_WITHIN_SHARE of the variance is within β and the mean
  within-β std is at least F1_MIN_STD.
- F2a (shapes) disentanglement grows with β: Spearman ρ(β, change-one) over runs, per model type;
  reproduced when ρ > 0 with p < ALPHA.
- F2b it grows most steadily for conv-denoising: conv-denoising has the largest ρ of the model
  types present, and its own rise (F2a) is reproduced.
- F2c it flattens for fc-denoising at large β: the least-squares slope of change-one over the upper
  half of the β values minus the slope over the lower half, with a 95% bootstrap CI (runs resampled
  within each β); reproduced when the whole CI is below 0.
- F3a (MNIST) accuracy jumps from β = 0 to the smallest β > 0: per model type and label fraction,
  paired by seed, mean difference and paired t-test; reproduced when it rises with p < ALPHA.
- F3b then falls as β grows: Spearman ρ over the runs with β > 0; reproduced when ρ < 0, p < ALPHA.
- F3c more labels give higher accuracy: per model type, accuracy at the largest label fraction
  minus at the smallest, paired by (β, seed), Wilcoxon signed-rank test; reproduced when it is
  higher with p < ALPHA. Also the share of β values whose means rise with every label fraction.
- F3d the convolutional model is more robust to few examples: conv minus fc accuracy at the
  smallest label fraction, paired by (β, seed), Wilcoxon; reproduced when conv is higher with
  p < ALPHA. Also each model's drop from the largest to the smallest fraction.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Literal

import numpy as np
import scipy.stats

Verdict = Literal["reproduced", "not reproduced", "inconclusive"]
Number = float | int | str | None

ALPHA = 0.05
F1_WITHIN_SHARE = 0.25  # of the variance within equal-β groups: "varies strongly"
F1_MIN_STD = 0.02  # mean within-β std of change-one accuracy (two points; chance is 0.25)
MIN_RANK_RUNS = 6  # a Spearman or Wilcoxon test on fewer cannot reach p < ALPHA reliably
MIN_PAIRS_T = 3  # paired t-test
MIN_FLATTEN_BETAS = 4  # two β values per half at least
N_BOOT = 2000

METRIC_FOR = {"shapes": "beta_vae_change_one", "mnist": "svm_accuracy"}


@dataclass(frozen=True)
class Finding:
    """One verdict: which claim, for which curve, and the numbers it rests on."""

    id: str
    claim: str
    verdict: Verdict
    reason: str
    model_type: str | None = None
    label_fraction: float | None = None
    numbers: dict[str, Number] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def _num(x: float | None) -> float | None:
    """A JSON-safe float: None for None and non-finite values."""
    return None if x is None or not math.isfinite(x) else float(x)


def usable(rows: list[dict]) -> list[dict]:
    """Completed runs with a finite value."""
    return [
        r
        for r in rows
        if r.get("status", "completed") == "completed"
        and r.get("value") is not None
        and math.isfinite(r["value"])
    ]


def _by_beta(rows: list[dict]) -> dict[float, dict[int, float]]:
    """{β: {seed: value}}."""
    out: dict[float, dict[int, float]] = defaultdict(dict)
    for r in rows:
        out[float(r["beta"])][int(r["seed"])] = float(r["value"])
    return dict(sorted(out.items()))


def _spearman(rows: list[dict]) -> tuple[float | None, float | None]:
    betas = [float(r["beta"]) for r in rows]
    values = [float(r["value"]) for r in rows]
    if len(set(betas)) < 3 or len(set(values)) < 2:
        return None, None
    result = scipy.stats.spearmanr(betas, values)
    return _num(float(result.statistic)), _num(float(result.pvalue))


def _wilcoxon_p(diffs: np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p of paired differences (1.0 when all are zero)."""
    if not np.any(diffs):
        return 1.0
    return float(scipy.stats.wilcoxon(diffs).pvalue)


def _paired_t_p(diffs: np.ndarray) -> float:
    """Two-sided paired t-test p; a constant non-zero difference is certain (0), none is 1."""
    if np.ptp(diffs) == 0:
        return 0.0 if diffs[0] != 0 else 1.0
    return float(scipy.stats.ttest_1samp(diffs, 0.0).pvalue)


def _rises(diff: float, p: float) -> Verdict:
    return "reproduced" if diff > 0 and p < ALPHA else "not reproduced"


# ---- F1 -------------------------------------------------------------------------------------


F1_CLAIM = "disentanglement varies strongly between runs with equal β"


def f1_variance(rows: list[dict], model_type: str) -> Finding:
    groups = [np.array(list(s.values())) for s in _by_beta(rows).values()]
    replicated = [g for g in groups if g.size >= 2]
    make = partial(Finding, id="F1", claim=F1_CLAIM, model_type=model_type)
    if len(replicated) < 2:
        return make(
            verdict="inconclusive",
            reason="needs at least two β values with two or more runs each",
            numbers={"replicated_betas": len(replicated)},
        )
    values = np.concatenate(replicated)
    ss_total = float(((values - values.mean()) ** 2).sum())
    ss_within = float(sum(((g - g.mean()) ** 2).sum() for g in replicated))
    share = ss_within / ss_total if ss_total > 0 else 0.0
    mean_std = float(np.mean([g.std(ddof=1) for g in replicated]))
    anova_p = _num(float(scipy.stats.f_oneway(*replicated).pvalue)) if ss_within > 0 else None
    strong = share >= F1_WITHIN_SHARE and mean_std >= F1_MIN_STD
    return make(
        verdict="reproduced" if strong else "not reproduced",
        reason=(
            f"{share:.0%} of the variance lies within equal-β groups (threshold "
            f"{F1_WITHIN_SHARE:.0%}), mean within-β std {mean_std:.3f} (threshold {F1_MIN_STD})"
        ),
        numbers={
            "within_beta_share": share,
            "r_squared": 1.0 - share,
            "mean_within_beta_std": mean_std,
            "anova_p": anova_p,
            "replicated_betas": len(replicated),
            "runs": int(values.size),
        },
    )


# ---- F2 -------------------------------------------------------------------------------------


F2A_CLAIM = "disentanglement grows with β"
F2B_CLAIM = "the growth is most steady for the convolutional denoising model"
F2C_CLAIM = "disentanglement flattens for the fully connected denoising model at large β"


def _trend_finding(
    make: Callable[..., Finding], rows: list[dict], sign: int, where: str, rule: str
) -> Finding:
    """A Spearman trend of the scores against β over `rows` (`where` names them in a reason):
    reproduced when sign·ρ > 0 with p < ALPHA, inconclusive on too few runs or β values."""
    rho, p = _spearman(rows)
    betas = len({r["beta"] for r in rows})
    numbers: dict[str, Number] = {"spearman_rho": rho, "p_value": p, "runs": len(rows)}
    numbers["betas"] = betas
    if len(rows) < MIN_RANK_RUNS or betas < 3:
        reason = f"needs {MIN_RANK_RUNS} runs over at least three β values{where}"
        return make(verdict="inconclusive", reason=reason, numbers=numbers)
    if rho is None or p is None:
        return make(verdict="not reproduced", reason="the scores do not vary", numbers=numbers)
    return make(
        verdict=_rises(sign * rho, p),
        reason=f"Spearman ρ = {rho:+.2f}, p = {p:.2g}{rule}",
        numbers=numbers,
    )


def f2a_growth(rows: list[dict], model_type: str) -> Finding:
    make = partial(Finding, id="F2a", claim=F2A_CLAIM, model_type=model_type)
    rule = f" (reproduced when ρ > 0 and p < {ALPHA})"
    return _trend_finding(make, rows, +1, "", rule)


def f2b_steadiest(growth: dict[str, Finding]) -> Finding:
    rhos = {
        m: float(f.numbers["spearman_rho"])  # type: ignore[arg-type]
        for m, f in growth.items()
        if f.verdict != "inconclusive" and f.numbers["spearman_rho"] is not None
    }
    make = partial(Finding, id="F2b", claim=F2B_CLAIM, model_type="conv-denoising")
    numbers: dict[str, Number] = {f"spearman_rho_{m}": r for m, r in sorted(rhos.items())}
    if "conv-denoising" not in rhos or len(rhos) < 2:
        reason = "needs conv-denoising and another model type, each with a decided trend"
        return make(verdict="inconclusive", reason=reason, numbers=numbers)
    steadiest = max(rhos, key=lambda m: (rhos[m], m == "conv-denoising"))
    numbers["steadiest"] = steadiest
    rises = growth["conv-denoising"].verdict == "reproduced"
    ok = rises and rhos["conv-denoising"] >= max(rhos.values())
    return make(
        verdict="reproduced" if ok else "not reproduced",
        reason=(
            f"the largest ρ is {steadiest}'s ({rhos[steadiest]:+.2f}); conv-denoising's rise is "
            + ("significant" if rises else "not significant")
        ),
        numbers=numbers,
    )


def _slope(betas: np.ndarray, values: np.ndarray) -> float:
    centred = betas - betas.mean()
    return float((centred * (values - values.mean())).sum() / (centred**2).sum())


def _half_slopes(
    per_beta: list[tuple[float, np.ndarray]], k_low: int, k_high: int
) -> tuple[float, float]:
    """Least-squares slopes of value on β over the lowest `k_low` β values and from the
    `k_high`-th on."""

    def fit(part: list[tuple[float, np.ndarray]]) -> float:
        betas = np.concatenate([np.full(v.size, b) for b, v in part])
        return _slope(betas, np.concatenate([v for _, v in part]))

    return fit(per_beta[:k_low]), fit(per_beta[k_high:])


def f2c_flattening(rows: list[dict], model_type: str = "fc-denoising") -> Finding:
    per_beta = [(b, np.array(list(s.values()))) for b, s in _by_beta(rows).items()]
    k = len(per_beta)
    make = partial(Finding, id="F2c", claim=F2C_CLAIM, model_type=model_type)
    if k < MIN_FLATTEN_BETAS or len(rows) < 2 * k:
        reason = f"needs {MIN_FLATTEN_BETAS} β values with two runs each on average"
        return make(verdict="inconclusive", reason=reason, numbers={"betas": k})
    k_low, k_high = math.ceil(k / 2), k // 2  # an odd middle β belongs to both halves
    lower, upper = _half_slopes(per_beta, k_low, k_high)
    diff = upper - lower
    rng = np.random.default_rng(0)
    boot = np.empty(N_BOOT)
    for i in range(N_BOOT):
        resampled = [(b, v[rng.integers(0, v.size, v.size)]) for b, v in per_beta]
        low_i, up_i = _half_slopes(resampled, k_low, k_high)
        boot[i] = up_i - low_i
    low, high = (float(x) for x in np.percentile(boot, [2.5, 97.5]))
    betas = [b for b, _ in per_beta]
    return make(
        verdict="reproduced" if high < 0 else "not reproduced",
        reason=(
            f"slope over β ≥ {betas[k_high]:g} minus slope over β ≤ {betas[k_low - 1]:g}: "
            f"{diff:+.3f} per unit β, 95% CI [{low:+.3f}, {high:+.3f}] (reproduced when below 0)"
        ),
        numbers={
            "slope_lower": lower,
            "slope_upper": upper,
            "slope_difference": diff,
            "ci_low": low,
            "ci_high": high,
            "betas": k,
            "runs": len(rows),
        },
    )


# ---- F3 -------------------------------------------------------------------------------------


F3A_CLAIM = "MNIST accuracy jumps from β = 0 to the smallest β > 0"
F3B_CLAIM = "MNIST accuracy falls as β grows beyond that"
F3C_CLAIM = "more labels give higher MNIST accuracy"
F3D_CLAIM = "the convolutional model is more robust to few training examples"


def f3a_jump(rows: list[dict], model_type: str, fraction: float | None) -> Finding:
    per_beta = _by_beta(rows)
    positive = [b for b in per_beta if b > 0]
    make = partial(
        Finding, id="F3a", claim=F3A_CLAIM, model_type=model_type, label_fraction=fraction
    )
    if 0.0 not in per_beta or not positive:
        reason = "needs runs at β = 0 and at some β > 0"
        return make(verdict="inconclusive", reason=reason)
    first = positive[0]
    seeds = sorted(set(per_beta[0.0]) & set(per_beta[first]))
    diffs = np.array([per_beta[first][s] - per_beta[0.0][s] for s in seeds])
    numbers: dict[str, Number] = {"beta_after": first, "pairs": len(seeds)}
    if len(seeds) < MIN_PAIRS_T:
        reason = f"needs {MIN_PAIRS_T} seeds run at both β = 0 and β = {first:g}"
        if seeds:
            numbers["mean_difference"] = float(diffs.mean())
        return make(verdict="inconclusive", reason=reason, numbers=numbers)
    p = _paired_t_p(diffs)
    numbers.update(
        {
            "accuracy_beta0": float(np.mean([per_beta[0.0][s] for s in seeds])),
            "accuracy_after": float(np.mean([per_beta[first][s] for s in seeds])),
            "mean_difference": float(diffs.mean()),
            "p_value": p,
        }
    )
    return make(
        verdict=_rises(float(diffs.mean()), p),
        reason=(
            f"β = {first:g} minus β = 0, paired by seed: {diffs.mean():+.4f}, paired t-test "
            f"p = {p:.2g}"
        ),
        numbers=numbers,
    )


def f3b_decline(rows: list[dict], model_type: str, fraction: float | None) -> Finding:
    after = [r for r in rows if float(r["beta"]) > 0]
    make = partial(
        Finding, id="F3b", claim=F3B_CLAIM, model_type=model_type, label_fraction=fraction
    )
    return _trend_finding(make, after, -1, " above 0", " over β > 0 (reproduced when ρ < 0)")


def _cells(rows: list[dict]) -> dict[tuple[float, int], float]:
    return {(float(r["beta"]), int(r["seed"])): float(r["value"]) for r in rows}


def _paired_rank_finding(
    make: Callable[..., Finding], better: dict, worse: dict, what: str, numbers: dict[str, Number]
) -> Finding:
    """`better` minus `worse` accuracy, paired by (β, seed), tested with Wilcoxon."""
    keys = sorted(set(better) & set(worse))
    numbers["pairs"] = len(keys)
    if len(keys) < MIN_RANK_RUNS:
        reason = f"needs {MIN_RANK_RUNS} (β, seed) pairs with both {what}"
        return make(verdict="inconclusive", reason=reason, numbers=numbers)
    diffs = np.array([better[k] - worse[k] for k in keys])
    p = _wilcoxon_p(diffs)
    numbers.update({"mean_difference": float(diffs.mean()), "p_value": p})
    return make(
        verdict=_rises(float(diffs.mean()), p),
        reason=f"{what}, paired by (β, seed): {diffs.mean():+.4f}, Wilcoxon p = {p:.2g}",
        numbers=numbers,
    )


def f3c_labels(by_fraction: dict[float, list[dict]], model_type: str) -> Finding:
    make = partial(Finding, id="F3c", claim=F3C_CLAIM, model_type=model_type)
    fractions = sorted(by_fraction)
    if len(fractions) < 2:
        reason = "needs runs at two or more label fractions"
        return make(verdict="inconclusive", reason=reason)
    means = {
        f: {b: float(np.mean(list(s.values()))) for b, s in _by_beta(by_fraction[f]).items()}
        for f in fractions
    }
    shared = sorted(set.intersection(*(set(m) for m in means.values())))
    ordered = [
        b
        for b in shared
        if all(means[f][b] < means[g][b] for f, g in zip(fractions, fractions[1:], strict=False))
    ]
    numbers: dict[str, Number] = {
        "smallest_fraction": fractions[0],
        "largest_fraction": fractions[-1],
        "betas_ordered": len(ordered),
        "betas_compared": len(shared),
    }
    what = f"accuracy at {fractions[-1]:g} of the labels minus at {fractions[0]:g}"
    small, large = _cells(by_fraction[fractions[0]]), _cells(by_fraction[fractions[-1]])
    return _paired_rank_finding(make, large, small, what, numbers)


def f3d_conv_robust(by_model: dict[str, dict[float, list[dict]]]) -> Finding:
    make = partial(Finding, id="F3d", claim=F3D_CLAIM, model_type="conv")
    if "conv" not in by_model or "fc" not in by_model:
        return make(verdict="inconclusive", reason="needs both fc and conv runs")
    shared = sorted(set(by_model["conv"]) & set(by_model["fc"]))
    if not shared:
        return make(verdict="inconclusive", reason="no label fraction has both models")
    smallest = shared[0]
    make = partial(make, label_fraction=smallest)
    numbers: dict[str, Number] = {"label_fraction": smallest}
    for m in ("fc", "conv"):
        if len(shared) >= 2:
            drop = float(
                np.mean([r["value"] for r in by_model[m][shared[-1]]])
                - np.mean([r["value"] for r in by_model[m][smallest]])
            )
            numbers[f"drop_{m}"] = drop  # mean accuracy lost going to the fewest labels
    what = f"conv minus fc accuracy at {smallest:g} of the labels"
    conv, fc = _cells(by_model["conv"][smallest]), _cells(by_model["fc"][smallest])
    return _paired_rank_finding(make, conv, fc, what, numbers)


# ---- all of them ----------------------------------------------------------------------------


def findings(
    rows: list[dict],
    dataset: str,
    model_types: Sequence[str] = (),
    label_fractions: Sequence[float | None] = (),
) -> list[Finding]:
    """Every finding that applies to `dataset` from rows {"model_type", "beta", "seed",
    "label_fraction", "value", "status"} of one metric (METRIC_FOR[dataset]). The grid's
    `model_types` and `label_fractions` get their findings (inconclusive) before any run is in."""
    rows = usable(rows)
    by_model: dict[str, dict[float | None, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for m in model_types:
        for f in label_fractions or [None]:
            by_model[m][f] = []
    for r in rows:
        by_model[r["model_type"]][r.get("label_fraction")].append(r)
    out: list[Finding] = []
    if dataset == "shapes":
        flat = {m: [r for group in g.values() for r in group] for m, g in by_model.items()}
        out += [f1_variance(flat[m], m) for m in sorted(flat)]
        growth = {m: f2a_growth(flat[m], m) for m in sorted(flat)}
        out += list(growth.values())
        out.append(f2b_steadiest(growth))
        out.append(f2c_flattening(flat.get("fc-denoising", [])))
    elif dataset == "mnist":
        fractions = {
            m: {(1.0 if f is None else float(f)): g for f, g in groups.items()}
            for m, groups in by_model.items()
        }
        for m in sorted(fractions):
            for f, group in sorted(fractions[m].items()):
                out.append(f3a_jump(group, m, f))
                out.append(f3b_decline(group, m, f))
        out += [f3c_labels(fractions[m], m) for m in sorted(fractions)]
        out.append(f3d_conv_robust(fractions))
    else:
        raise ValueError(f"no findings for dataset {dataset!r}")
    return out
