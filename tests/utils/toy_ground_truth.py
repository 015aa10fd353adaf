"""A tiny ground-truth dataset whose images spell out their factors, for metric tests."""

from __future__ import annotations

import numpy as np


class ToyGroundTruth:
    """Five factors; image row j is a one-hot of factor j, so images and factors determine
    each other (except where `collapse` maps several values of a factor to one image)."""

    def __init__(
        self, factor_sizes: tuple[int, ...] = (3, 4, 5, 4, 6), collapse: dict | None = None
    ):
        self.factor_sizes = tuple(factor_sizes)
        self.num_factors = len(self.factor_sizes)
        self.collapse = collapse or {}  # factor -> number of its lowest values drawn alike

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Uniform independent factors, int64 (n, num_factors)."""
        return rng.integers(0, self.factor_sizes, size=(n, self.num_factors), dtype=np.int64)

    def render(self, factors: np.ndarray) -> np.ndarray:
        """Bool (N, num_factors, max_size) one-hot rows, all at once."""
        shown = factors.copy()
        for j, k in self.collapse.items():
            shown[:, j] = np.where(shown[:, j] < k, 0, shown[:, j])
        n = factors.shape[0]
        images = np.zeros((n, self.num_factors, max(self.factor_sizes)), dtype=bool)
        images[np.arange(n)[:, None], np.arange(self.num_factors)[None, :], shown] = True
        return images


def factor_codes(images: np.ndarray) -> np.ndarray:
    """The ground-truth factors read back from toy images, as float codes (N, num_factors)."""
    return images.argmax(axis=2).astype(np.float64)
