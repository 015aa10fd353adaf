"""The committed SDK in clients/python is exactly what `make sdk` generates from the spec."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SDK_DIR = REPO_ROOT / "clients" / "python"
# Made by installing or importing the SDK, not by the generator.
LOCAL_ONLY = ("__pycache__", ".egg-info", "build", ".ruff_cache")


def generate(out: Path) -> subprocess.CompletedProcess[str]:
    """The Makefile's `sdk` recipe, writing to `out`."""
    bin_dir = Path(sys.executable).parent
    command = [
        str(bin_dir / "openapi-python-client"),
        "generate",
        "--path", "openapi/openapi.json",
        "--config", "openapi/client-config.yaml",
        "--meta", "setup",
        "--output-path", str(out),
    ]  # fmt: skip
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def tree(root: Path) -> dict[str, bytes]:
    """Every generated file under `root`, by relative path, with its bytes."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not any(part.endswith(LOCAL_ONLY) for part in path.parts)
    }


def test_committed_sdk_is_byte_for_byte_a_fresh_generation(tmp_path: Path) -> None:
    result = generate(tmp_path / "python")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr
    fresh, committed = tree(tmp_path / "python"), tree(SDK_DIR)
    assert sorted(fresh) == sorted(committed), "run `make sdk`"
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert changed == [], f"run `make sdk`: {changed}"


def test_sdk_modules_are_named_after_the_api_operations() -> None:
    api = SDK_DIR / "betalab_client" / "api"
    assert (api / "experiments" / "create_experiment.py").is_file()
    assert (api / "results" / "get_curve.py").is_file()
    assert (api / "runs" / "get_run.py").is_file()
    assert not list(api.rglob("experiments_*.py"))
