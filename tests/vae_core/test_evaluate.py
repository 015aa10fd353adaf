import io

import numpy as np
import pytest
from PIL import Image

from tests.utils.tiny_vae import ConstantVAE
from vae_core.data.images import DataSplits, ImageSet
from vae_core.data.shapes import ShapesGroundTruth
from vae_core.evaluate import EvaluationResult, evaluate_run
from vae_core.metrics.registry import METRICS
from vae_core.models import build_model, model_config_for

pytestmark = pytest.mark.numerics


def shapes_splits(n: int = 120) -> DataSplits:
    truth = ShapesGroundTruth()
    factors = truth.sample_factors(n, np.random.default_rng(0))
    packed = np.packbits(truth.render(factors).reshape(n, -1), axis=1)
    split = ImageSet(packed, (64, 64), packed=True, factors=factors)
    return DataSplits("shapes", split, split, split)


def mnist_splits(n: int = 100) -> DataSplits:
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 10, n)
    pixels = rng.integers(0, 256, (n, 28, 28)).astype(np.uint8)
    split = ImageSet(pixels, (28, 28), packed=False, max_value=255.0, labels=labels)
    return DataSplits("mnist", split, split, split)


def png_size(png: bytes) -> tuple[int, int]:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.size


def shapes_result(names: list[str]) -> EvaluationResult:
    model = ConstantVAE(latent_dim=4, image_shape=(64, 64))
    return evaluate_run(model=model, data=shapes_splits(), metrics=names, seed=0, fast=True)


def shapes_values(names: list[str]) -> dict[str, float]:
    return shapes_result(names).values


def test_every_shapes_metric_but_dci_yields_its_registry_keys():
    names = [n for n, spec in METRICS.items() if "shapes" in spec.datasets and n != "dci"]
    result = shapes_result(names)
    expected = {key for n in names for key in METRICS[n].keys}
    assert expected <= set(result.values)
    assert all(np.isfinite(v) for v in result.values.values())
    assert set(result.images) == {"traversal", "reconstructions", "response"}
    assert png_size(result.images["traversal"]) == (9 * 66 + 2, 4 * 66 + 2)


@pytest.mark.slow
def test_dci_yields_its_registry_keys():
    # slow by definition: one gradient-boosted tree per class per stage (101 classes x 100)
    values = shapes_values(["dci"])
    assert set(values) == set(METRICS["dci"].keys) | {"dci_informativeness_train"}


def test_default_shapes_evaluation_of_an_fc_model_is_seeded():
    model = build_model(model_config_for("shapes", "fc"))
    runs = [
        evaluate_run(
            model=model,
            data=shapes_splits(),
            metrics=["beta_vae_change_one", "reconstruction"],
            seed=3,
            fast=True,
            beta=2.0,
        ).values
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    assert 0.0 <= runs[0]["beta_vae_change_one"] <= 1.0
    assert runs[0]["total_cost"] == pytest.approx(runs[0]["recon_loss"] + 2.0 * runs[0]["kl"])


def test_mnist_evaluation_runs_the_probes_on_the_training_subset():
    data = mnist_splits()
    model = build_model(model_config_for("mnist", "fc"))
    result = evaluate_run(
        model=model,
        data=data,
        metrics=["svm_accuracy", "logreg_accuracy", "reconstruction"],
        seed=0,
        train_indices=np.arange(50),
        fast=True,
    )
    assert {"svm_accuracy", "logreg_accuracy", "recon_l2"} <= set(result.values)
    assert set(result.images) == {"traversal", "reconstructions"}
    assert png_size(result.images["reconstructions"]) == (8 * 30 + 2, 2 * 30 + 2)


def test_shapes_metric_on_mnist_is_refused():
    with pytest.raises(ValueError, match="do not apply"):
        evaluate_run(model=ConstantVAE(), data=mnist_splits(), metrics=["mig"], seed=0)
