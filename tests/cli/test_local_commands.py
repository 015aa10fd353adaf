"""`betalab keys create` and `betalab dataset build`: local commands in a fresh process."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import numpy as np

from tests.cli.conftest import betalab_process
from tests.utils.service import Service


def test_keys_create_prints_a_new_key_once_that_the_api_accepts(service: Service) -> None:
    result = betalab_process("keys", "create", "--name", "ci machine", env=service.env)
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    assert re.fullmatch(r"bl_[A-Za-z0-9_-]{40,}", key)
    assert "shown only this once" in result.stderr
    again = betalab_process("keys", "create", "--name", "ci machine", env=service.env)
    assert again.stdout.strip() != key
    # A write route: 404 for an unknown experiment with a valid key, 401 with an invalid one.
    url = f"{service.url}/experiments/{'0' * 32}/cancel"
    accepted = httpx.post(url, headers={"Authorization": f"Bearer {key}"})
    refused = httpx.post(url, headers={"Authorization": f"Bearer {key}x"})
    assert (accepted.status_code, refused.status_code) == (404, 401)


def test_keys_create_rejects_an_empty_name(service: Service) -> None:
    result = betalab_process("keys", "create", "--name", "  ", env=service.env)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: --name must have 1 to 100 characters"


def test_dataset_build_shows_progress_and_prints_the_cache_file_in_betalab_cache_dir(
    service: Service, tmp_path: Path
) -> None:
    env = {**service.env, "BETALAB_CACHE_DIR": str(tmp_path)}
    result = betalab_process("dataset", "build", env=env)
    assert result.returncode == 0, result.stderr
    cached = re.search(r"cached at (\S+\.npz)", result.stdout)
    assert cached is not None
    path = Path(cached.group(1))
    assert path.parent == tmp_path and path.is_file()
    unique = int(re.search(r"shapes: (\d+) unique images", result.stdout).group(1))
    assert abs(unique - 267_021) / 267_021 < 0.02  # within the protocol's tolerance
    with np.load(path) as arrays:
        stored = sum(len(arrays[f"{s}_factors"]) for s in ("train", "validation", "test"))
    assert stored == unique
    assert "rendering shapes" in result.stderr  # the progress bar
