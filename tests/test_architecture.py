"""The import contracts in pyproject.toml hold, and break on a wrong-way import or a cycle."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["betalab_cli", "api", "worker", "persistence", "vae_core"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """lint-imports run in `root` on the packages found there (the config is root's pyproject)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def copy_of_the_code(tmp_path: Path) -> Path:
    """The five packages' Python files and pyproject.toml, nothing else."""
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=lambda _, names: [n for n in names if n == "__pycache__" or n == "static"],
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_hold() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout, result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # vae_core is the bottom layer: it may not import the service.
        ("vae_core/losses.py", "import persistence.db", "cli above api and worker"),
        # persistence sits below the API and the worker.
        ("persistence/crud.py", "import worker.dispatch", "cli above api and worker"),
        # The worker never imports the API.
        ("worker/progress.py", "import api.schemas", "the worker does not import the API"),
        # The API talks to the worker side only through worker.dispatch.
        ("api/routes/runs.py", "import worker.tasks", "through worker.dispatch only"),
        # A cycle inside a package.
        ("persistence/models.py", "import persistence.crud", "no import cycles"),
    ],
)
def test_a_wrong_import_breaks_a_contract(tmp_path: Path, module: str, line: str, broken: str):
    root = copy_of_the_code(tmp_path)
    target = root / module
    target.write_text(target.read_text() + f"\n{line}  # noqa\n")
    result = lint_imports(root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{broken}" in result.stdout.split("Broken contracts")[-1], result.stdout
