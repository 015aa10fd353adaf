"""The metric groups a user may request, the datasets they apply to and the keys they yield."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricSpec:
    """One requestable metric group."""

    datasets: tuple[str, ...]
    keys: tuple[str, ...]
    description: str = ""


METRICS: dict[str, MetricSpec] = {
    "beta_vae_change_one": MetricSpec(
        ("shapes",), ("beta_vae_change_one",), "paper's disentanglement metric (change one factor)"
    ),
    "beta_vae_fix_one": MetricSpec(
        ("shapes",), ("beta_vae_fix_one",), "Higgins et al. BetaVAE score (fix one factor)"
    ),
    "factor_vae": MetricSpec(("shapes",), ("factor_vae",), "FactorVAE majority-vote score"),
    "mig": MetricSpec(("shapes",), ("mig",), "mutual information gap"),
    "dci": MetricSpec(
        ("shapes",),
        ("dci_disentanglement", "dci_completeness", "dci_informativeness_test"),
        "DCI from gradient-boosted trees",
    ),
    "sap": MetricSpec(("shapes",), ("sap",), "separated attribute predictability"),
    "modularity": MetricSpec(
        ("shapes",), ("modularity", "explicitness_test"), "modularity and explicitness"
    ),
    "svm_accuracy": MetricSpec(("mnist",), ("svm_accuracy",), "RBF SVM on sampled codes"),
    "logreg_accuracy": MetricSpec(("mnist",), ("logreg_accuracy",), "logistic regression probe"),
    "reconstruction": MetricSpec(
        ("shapes", "mnist"),
        ("recon_loss", "kl", "total_cost", "recon_l2"),
        "test-split cost and L2 reconstruction error",
    ),
}

DEFAULT_METRICS: dict[str, list[str]] = {
    "shapes": ["beta_vae_change_one", "reconstruction"],
    "mnist": ["svm_accuracy", "reconstruction"],
}


def validate_metrics(dataset: str, names: list[str]) -> list[str]:
    """The requested metric groups, de-duplicated in order; ValueError on any that do not apply."""
    unknown = [n for n in names if n not in METRICS]
    if unknown:
        raise ValueError(f"unknown metrics {unknown}; choose from {sorted(METRICS)}")
    wrong = [n for n in names if dataset not in METRICS[n].datasets]
    if wrong:
        allowed = sorted(n for n, spec in METRICS.items() if dataset in spec.datasets)
        raise ValueError(f"metrics {wrong} do not apply to {dataset!r}; choose from {allowed}")
    return list(dict.fromkeys(names))
