"""Checkpoint files: atomic writes, and rebuilding a model from its file alone."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import torch

from vae_core.models import BetaVAE, ModelConfig, build_model

BEST_NAME = "best.pt"
LATEST_NAME = "latest.pt"


def atomic_save(obj: dict[str, Any], path: Path) -> None:
    """torch.save to a temp file in the same folder, fsync, then os.replace: never half-written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_checkpoint(path: Path, device: str | torch.device = "cpu") -> dict[str, Any]:
    """The dict saved in a checkpoint (plain tensors, numbers, strings and dicts only)."""
    return torch.load(Path(path), map_location=device, weights_only=True)


def load_checkpoint_model(path: Path, device: str | torch.device = "cpu") -> BetaVAE:
    """Rebuild a model from a checkpoint's own `model_config` and weights, in eval mode."""
    ckpt = load_checkpoint(path, device)
    model = build_model(ModelConfig.from_dict(ckpt["model_config"]))
    model.load_state_dict(ckpt["model_state"])
    return model.to(device).eval()
