"""Fixtures for metric tests: a toy ground truth and factor samples with known structure."""

from __future__ import annotations

import numpy as np
import pytest

from tests.utils.toy_ground_truth import ToyGroundTruth


@pytest.fixture
def toy() -> ToyGroundTruth:
    return ToyGroundTruth()


@pytest.fixture
def factor_sample(toy: ToyGroundTruth) -> tuple[np.ndarray, np.ndarray]:
    """Train and test factors (600 and 400 rows) from the toy ground truth."""
    rng = np.random.default_rng(0)
    return toy.sample_factors(600, rng), toy.sample_factors(400, rng)
