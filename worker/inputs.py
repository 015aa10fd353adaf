"""What a task needs before it trains or scores: the dataset (loaded once per process), the
device, and the labelled subset of an MNIST run (its TrainConfig is the spec's `training`)."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import torch

from persistence.models import Run
from persistence.settings import Settings
from vae_core.data import load_dataset
from vae_core.data.images import DataSplits
from vae_core.data.mnist import label_fraction_indices


@functools.lru_cache(maxsize=2)
def cached_dataset(
    name: str, seed: int, cache_dir: Path | None, mnist_dir: Path | None
) -> DataSplits:
    """The dataset splits, loaded once per worker process."""
    return load_dataset(name, seed=seed, cache_dir=cache_dir, mnist_dir=mnist_dir)


def dataset_for(name: str, settings: Settings) -> DataSplits:
    """The experiment's dataset with the worker's directories."""
    return cached_dataset(name, 0, settings.cache_dir, settings.mnist_dir)  # one fixed split


def worker_device() -> str:
    """CUDA when this process sees a GPU (the pool sets CUDA_VISIBLE_DEVICES), else CPU."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def train_indices_for(run: Run, data: DataSplits) -> np.ndarray | None:
    """MNIST with a label fraction: the stratified labelled subset; otherwise every image."""
    if run.label_fraction is None or data.train.labels is None:
        return None
    return label_fraction_indices(data.train.labels, run.label_fraction, run.seed)
