"""Datasets: the synthetic shapes and MNIST, each as train / validation / test splits."""

from __future__ import annotations

from pathlib import Path

from vae_core.data.images import DataSplits, ImageSet

DATASETS = ("shapes", "mnist")

__all__ = ["DATASETS", "DataSplits", "ImageSet", "load_dataset"]


def load_dataset(
    name: str,
    *,
    seed: int = 0,
    cache_dir: Path | None = None,
    mnist_dir: Path | None = None,
) -> DataSplits:
    """The named dataset's splits; `seed` fixes the shapes split (MNIST's split is fixed)."""
    if name == "shapes":
        from vae_core.data.shapes import build_dataset

        return build_dataset(seed=seed, cache_dir=cache_dir)
    if name == "mnist":
        from vae_core.data.mnist import load_mnist

        return load_mnist(mnist_dir=mnist_dir, cache_dir=cache_dir)
    raise ValueError(f"unknown dataset {name!r}; expected one of {DATASETS}")
