"""Fixtures shared by the vae_core tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The four real MNIST IDX files in ../shared/data/mnist, beside the repository."""
    path = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "mnist").resolve()
    assert path.is_dir(), f"MNIST test data missing at {path}"
    return path
