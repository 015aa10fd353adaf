"""bench/budget.py: one run scores every budget, each as a run capped there would end."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import torch

from tests.conftest import REPO_ROOT
from tests.utils.train_data import rectangle_splits
from vae_core.checkpoint import BEST_NAME, load_checkpoint
from vae_core.models import model_config_for
from vae_core.train import get_train_config, train

sys.path.insert(0, str(REPO_ROOT / "bench"))  # budget.py imports precision_grid as a sibling
_spec = importlib.util.spec_from_file_location("budget", REPO_ROOT / "bench" / "budget.py")
assert _spec is not None and _spec.loader is not None
budget = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(budget)

SHAPES_LIKE = rectangle_splits("shapes", (200, 100, 50))
CFG = {"train_fraction": 1.0, "batch_size": 50, "validation_cap": 50, "bf16": False}


def _train(root: Path, epochs: int, callback=None):
    return train(
        model_config=model_config_for("shapes", "fc"),
        train_config=get_train_config("quick", max_epochs=epochs, **CFG),
        beta=1.0,
        seed=3,
        data=SHAPES_LIKE,
        checkpoint_dir=root,
        callback=callback,
    )


@pytest.mark.numerics
def test_the_checkpoint_kept_at_an_epoch_is_the_one_a_run_capped_there_ends_with(
    tmp_path: Path,
) -> None:
    keep = budget.KeepBest(tmp_path / "long", [2, 4])
    assert _train(tmp_path / "long", 4, keep).epochs_run == 4
    assert _train(tmp_path / "capped", 2).epochs_run == 2
    kept = load_checkpoint(tmp_path / "long" / "best-2.pt")
    ended = load_checkpoint(tmp_path / "capped" / BEST_NAME)
    assert kept["epoch"] == ended["epoch"]
    for name, value in ended["model_state"].items():
        assert torch.equal(kept["model_state"][name], value), name
    assert (tmp_path / "long" / "best-4.pt").exists() and keep.seconds > 0
    assert float((tmp_path / "long" / "seconds-2").read_text()) <= keep.seconds


def _row(model_type: str, policy: str, epochs: int, beta: float, seed: int, c: float, r: float):
    return {
        "model_type": model_type,
        "policy": policy,
        "epochs": epochs,
        "beta": beta,
        "seed": seed,
        "change_one": c,
        "recon": r,
    }


def test_the_summary_gives_a_trend_and_means_per_budget() -> None:
    rising = [_row("fc", "paper", 8, b, s, 0.4 + 0.05 * b + 0.01 * s, 100 + b) for b in (0, 1, 4)
              for s in (0, 1)]  # fmt: skip
    falling = [_row("fc", "paper", 16, b, s, 0.7 - 0.05 * b, 90.0) for b in (0, 1) for s in (0, 1)]
    table = {(s["epochs"]): s for s in budget.summary(rising + falling)}
    assert table[8]["runs"] == 6 and table[8]["spearman_rho"] > 0.9
    assert table[8]["mean"]["change_one"] == {"0.0": 0.405, "1.0": 0.455, "4.0": 0.605}
    assert table[8]["mean"]["recon"]["4.0"] == 104.0
    assert table[16]["spearman_rho"] < -0.8
    lone = budget.summary([_row("fc", "same", 8, 0.0, 0, 0.5, 1.0)])
    assert lone[0]["spearman_rho"] is None  # one run: no trend


def test_a_failed_run_is_counted_not_scored() -> None:
    rows = [_row("fc", "same", 8, b, 0, 0.5 + b / 10, 100.0) for b in (0.0, 1.0, 4.0)]
    rows.append({"model_type": "fc", "policy": "same", "epochs": 8, "beta": 0.0, "seed": 1,
                 "status": "failed", "reason": "non-finite cost"})  # fmt: skip
    (cell,) = budget.summary(rows)
    assert cell["runs"] == 3 and cell["failed"] == 1
    assert cell["mean"]["change_one"]["0.0"] == 0.5
