"""MNIST classification probes on VAE codes (PROTOCOL §5, Figure 2)."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC

from vae_core.data.images import DataSplits
from vae_core.metrics.representation import encode_imageset
from vae_core.models import BetaVAE


def svm_probe(
    codes_train: np.ndarray,
    labels_train: np.ndarray,
    codes_test: np.ndarray,
    labels_test: np.ndarray,
    gamma: str | float = "auto",
) -> dict[str, float]:
    """Test accuracy of an RBF SVC fit on the training codes.

    gamma="auto" is 1 / n_features, scikit-learn's default in 2017 when the paper ran.
    """
    clf = SVC(kernel="rbf", gamma=gamma).fit(codes_train, labels_train)
    return {"svm_accuracy": float(clf.score(codes_test, labels_test))}


def logreg_probe(
    codes_train: np.ndarray,
    labels_train: np.ndarray,
    codes_test: np.ndarray,
    labels_test: np.ndarray,
    max_iter: int = 1000,
) -> dict[str, float]:
    """Test accuracy of a (multinomial) logistic regression on standardised codes."""
    mean, std = codes_train.mean(axis=0), codes_train.std(axis=0)  # [latent]
    std = np.where(std > 0, std, 1.0)
    clf = LogisticRegression(max_iter=max_iter).fit((codes_train - mean) / std, labels_train)
    return {"logreg_accuracy": float(clf.score((codes_test - mean) / std, labels_test))}


def mnist_probes(
    model: BetaVAE,
    data: DataSplits,
    *,
    names: tuple[str, ...] = ("svm_accuracy",),
    train_indices: np.ndarray | None = None,
    sample: bool = True,
    seed: int = 0,
    max_train: int | None = None,
    device: str = "cpu",
    corrupt: float = 0.0,
) -> dict[str, float]:
    """Encode the VAE's training subset and the test split, then run the requested probes.

    Codes are SAMPLED z by default, as in the paper; `sample=False` uses the encoder mean.
    `max_train` caps the probe's training set (first rows of the subset) for smoke runs;
    `corrupt` > 0 salt-and-peppers the inputs first (the original denoising evaluation).
    """
    train = data.train if train_indices is None else data.train.subset(train_indices)
    if max_train is not None and len(train) > max_train:
        train = train.subset(np.arange(max_train))
    if train.labels is None or data.test.labels is None:
        raise ValueError("the probes need labelled train and test images")
    codes_train = encode_imageset(
        model, train, device=device, sample=sample, seed=seed, corrupt=corrupt
    )
    codes_test = encode_imageset(
        model, data.test, device=device, sample=sample, seed=seed + 1, corrupt=corrupt
    )
    probes = {"svm_accuracy": svm_probe, "logreg_accuracy": logreg_probe}
    out: dict[str, float] = {}
    for name in names:
        out.update(probes[name](codes_train, train.labels, codes_test, data.test.labels))
    return out
