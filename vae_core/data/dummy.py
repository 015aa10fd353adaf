"""A tiny stand-in ground-truth dataset for tests: few factors and an obvious renderer."""

from __future__ import annotations

import numpy as np


class DummyGroundTruth:
    """Factors (2, 3, 4, 5); an image lights pixel (i, v) for factor i at value v, nothing else.

    Every factor combination gives a distinct 8x8 binary image, so the factors are recoverable
    exactly from the pixels: the ideal case for metric tests.
    """

    factor_names = ("a", "b", "c", "d")
    factor_sizes = (2, 3, 4, 5)
    num_factors = 4
    image_shape = (8, 8)

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Factors drawn uniformly and independently, int64 (n, 4)."""
        return rng.integers(0, self.factor_sizes, size=(n, self.num_factors), dtype=np.int64)

    def render(self, factors: np.ndarray) -> np.ndarray:
        """One lit pixel per factor, bool (N, 8, 8)."""
        factors = self._check(factors)
        images = np.zeros((len(factors), *self.image_shape), dtype=bool)  # (N, 8, 8)
        rows = np.arange(self.num_factors)
        images[np.arange(len(factors))[:, None], rows[None, :], factors] = True
        return images

    def factors_to_index(self, factors: np.ndarray) -> np.ndarray:
        """Mixed-radix index (last factor fastest), int64 (N,)."""
        factors = self._check(factors)
        return np.ravel_multi_index(tuple(factors.T), self.factor_sizes).astype(np.int64)

    def index_to_factors(self, index: np.ndarray) -> np.ndarray:
        """Factor rows of mixed-radix indices, int64 (N, 4)."""
        index = np.asarray(index, dtype=np.int64)
        return np.stack(np.unravel_index(index, self.factor_sizes), axis=1).astype(np.int64)

    def _check(self, factors: np.ndarray) -> np.ndarray:
        """Validate an (N, 4) integer factor array."""
        factors = np.asarray(factors, dtype=np.int64)
        if factors.ndim != 2 or factors.shape[1] != self.num_factors:
            raise ValueError(f"factors must be (N, {self.num_factors}), got {factors.shape}")
        if np.any(factors < 0) or np.any(factors >= np.asarray(self.factor_sizes)):
            raise ValueError(f"factor values out of range {self.factor_sizes}")
        return factors
