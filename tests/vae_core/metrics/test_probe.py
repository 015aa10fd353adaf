import numpy as np
import pytest

from tests.utils.tiny_vae import ConstantVAE
from vae_core.data.images import DataSplits, ImageSet
from vae_core.metrics.probe import logreg_probe, mnist_probes, svm_probe

pytestmark = pytest.mark.numerics


def clusters(n: int, seed: int, spread: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    centres = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    return centres[labels] + spread * rng.normal(size=(n, 2)), labels


def test_probes_separate_well_separated_clusters():
    x_train, y_train = clusters(200, 0)
    x_test, y_test = clusters(100, 1)
    assert svm_probe(x_train, y_train, x_test, y_test) == {"svm_accuracy": 1.0}
    assert logreg_probe(x_train, y_train, x_test, y_test) == {"logreg_accuracy": 1.0}


def test_probes_on_label_independent_codes_score_near_chance():
    x_train, _ = clusters(300, 2)
    x_test, _ = clusters(300, 3)
    rng = np.random.default_rng(4)
    y_train, y_test = rng.integers(0, 3, 300), rng.integers(0, 3, 300)
    assert svm_probe(x_train, y_train, x_test, y_test)["svm_accuracy"] < 0.45
    assert logreg_probe(x_train, y_train, x_test, y_test)["logreg_accuracy"] < 0.45


def test_mnist_probes_use_the_training_subset_and_cap():
    # image brightness encodes the label, so the (mean-pixel) code separates the classes
    rng = np.random.default_rng(5)
    labels = rng.integers(0, 2, 60)
    pixels = (labels[:, None, None] * 200 + rng.integers(0, 20, (60, 8, 8))).astype(np.uint8)
    split = ImageSet(pixels, (8, 8), packed=False, max_value=255.0, labels=labels)
    data = DataSplits("mnist", split, split, split)
    subset = np.flatnonzero(labels == 0)[:10]
    with pytest.raises(ValueError, match="class"):  # one class only: the subset was used
        mnist_probes(ConstantVAE(), data, train_indices=subset, sample=False)
    scores = mnist_probes(
        ConstantVAE(), data, names=("svm_accuracy", "logreg_accuracy"), max_train=40, sample=False
    )
    assert scores == {"svm_accuracy": 1.0, "logreg_accuracy": 1.0}
