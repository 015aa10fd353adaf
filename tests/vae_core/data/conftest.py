"""A full shapes build, made once per test session in a temporary cache directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from vae_core.data.images import DataSplits
from vae_core.data.shapes import build_dataset


@pytest.fixture(scope="session")
def shapes_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache directory that holds the seed-0 build."""
    return tmp_path_factory.mktemp("shapes-cache")


@pytest.fixture(scope="session")
def shapes_splits(shapes_cache_dir: Path) -> DataSplits:
    """The full seed-0 shapes dataset, built from scratch (no cache yet)."""
    return build_dataset(seed=0, cache_dir=shapes_cache_dir)
