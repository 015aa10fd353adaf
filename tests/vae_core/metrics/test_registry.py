import pytest

from vae_core.metrics.registry import DEFAULT_METRICS, METRICS, validate_metrics

pytestmark = pytest.mark.numerics


def test_defaults_are_registered_for_their_dataset():
    for dataset, names in DEFAULT_METRICS.items():
        assert validate_metrics(dataset, names) == names


def test_dci_yields_the_contract_keys():
    assert METRICS["dci"].keys == (
        "dci_disentanglement",
        "dci_completeness",
        "dci_informativeness_test",
    )


def test_duplicates_are_dropped_in_order():
    assert validate_metrics("shapes", ["mig", "sap", "mig"]) == ["mig", "sap"]


def test_unknown_metric_is_rejected_with_the_choices():
    with pytest.raises(ValueError, match="unknown metrics \\['nope'\\]"):
        validate_metrics("shapes", ["mig", "nope"])


def test_metric_of_the_other_dataset_is_rejected():
    with pytest.raises(ValueError, match="do not apply to 'mnist'"):
        validate_metrics("mnist", ["beta_vae_change_one"])
