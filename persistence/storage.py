"""Artifact storage on the shared artifact root: every path is built from ids only."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

_ID = re.compile(r"^[0-9a-f]{32}$")


def _checked(identifier: str) -> str:
    if not _ID.match(identifier):
        raise ValueError(f"not a betalab id: {identifier!r}")
    return identifier


def experiment_dir(root: Path, experiment_id: str) -> Path:
    """Where an experiment's checkpoints live (shared storage across worker hosts)."""
    return Path(root) / "experiments" / _checked(experiment_id)


def run_checkpoint_dir(root: Path, experiment_id: str, run_id: str) -> Path:
    """Where one run's best.pt / latest.pt live."""
    return experiment_dir(root, experiment_id) / "runs" / _checked(run_id)


def remove_experiment_artifacts(root: Path, experiment_id: str) -> None:
    """Delete every file an experiment left on disk."""
    shutil.rmtree(experiment_dir(root, experiment_id), ignore_errors=True)
