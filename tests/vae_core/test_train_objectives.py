"""Training with the objectives beyond β-VAE (issue #18): the config, the cost, resume, fusing."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tests.utils.train_data import rectangle_splits
from tests.vae_core.test_train import StopAfter, states_equal
from vae_core.checkpoint import load_checkpoint
from vae_core.config import OBJECTIVE_PARAMETERS, TrainConfig, get_train_config
from vae_core.fused import train_fused
from vae_core.models import model_config_for
from vae_core.train import train

pytestmark = pytest.mark.numerics

DATA = rectangle_splits("mnist", (400, 100, 100))
FAST = {"train_fraction": 1.0, "batch_size": 100, "max_epochs": 3, "bf16": False}


def run(tmp: Path, objective: str, strength: float, callback=None, **params):
    cfg = get_train_config("smoke", **FAST, objective=objective, **params)
    return train(
        model_config=model_config_for("mnist", "fc"),
        train_config=cfg,
        beta=strength,
        seed=3,
        data=DATA,
        checkpoint_dir=tmp,
        callback=callback,
    )


def test_the_config_refuses_unknown_objectives_and_parameters_of_another_objective() -> None:
    with pytest.raises(ValueError, match="objective must be one of"):
        TrainConfig(objective="info_vae")
    with pytest.raises(ValueError, match="cannot be trained yet"):
        TrainConfig(objective="factor_vae")
    with pytest.raises(ValueError, match="lambda_d_factor is not a parameter of beta_tcvae"):
        TrainConfig(objective="beta_tcvae", lambda_d_factor=2.0)
    with pytest.raises(ValueError, match="c_max must be positive"):
        TrainConfig(objective="annealed_vae", c_max=-1.0)
    assert TrainConfig(objective="dip_vae_i").objective_parameters() == {"lambda_d_factor": 10.0}
    assert TrainConfig(objective="dip_vae_ii", lambda_d_factor=3.0).objective_parameters() == {
        "lambda_d_factor": 3.0
    }
    annealed = TrainConfig(objective="annealed_vae", iteration_threshold=50)
    assert annealed.objective_parameters() == {"c_max": 25.0, "iteration_threshold": 50}
    assert TrainConfig().objective_parameters() == OBJECTIVE_PARAMETERS["beta_vae"] == {}


def test_beta_tcvae_at_strength_one_trains_as_beta_vae_at_beta_one(tmp_path: Path) -> None:
    # KL + (β − 1)·TC at β = 1 is the β-VAE cost: the same steps, the same weights.
    plain = run(tmp_path / "beta", "beta_vae", 1.0)
    tc = run(tmp_path / "tc", "beta_tcvae", 1.0)
    assert [h.train_loss for h in tc.history] == pytest.approx(
        [h.train_loss for h in plain.history], rel=1e-5
    )
    a = load_checkpoint(tmp_path / "beta/latest.pt")["model_state"]
    b = load_checkpoint(tmp_path / "tc/latest.pt")["model_state"]
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize(
    ("objective", "strength", "params"),
    [
        ("beta_tcvae", 6.0, {}),
        ("dip_vae_i", 10.0, {}),
        ("dip_vae_ii", 5.0, {"lambda_d_factor": 2.0}),
        ("annealed_vae", 100.0, {"c_max": 5.0, "iteration_threshold": 6}),
    ],
)
def test_each_objective_trains_and_its_regulariser_shows_in_the_cost(
    tmp_path: Path, objective: str, strength: float, params: dict
) -> None:
    result = run(tmp_path, objective, strength, **params)
    assert result.status == "completed" and result.epochs_run == 3
    saved = load_checkpoint(tmp_path / "latest.pt")["train_config"]
    assert saved["objective"] == objective  # part of the run's identity
    plain = run(tmp_path / "plain", "beta_vae", 1.0)
    assert len(plain.history) == len(result.history)
    for h in result.history:
        assert torch.isfinite(torch.tensor([h.train_loss, h.val_loss])).all()
        if objective.startswith("dip_vae"):  # recon + KL + a non-negative penalty
            assert h.train_loss >= h.recon + h.kl - 1e-3
        if objective == "annealed_vae":  # recon + γ·|KL − C|: far from recon + KL at γ = 100
            assert h.train_loss >= h.recon
    assert result.history[-1].train_loss != pytest.approx(plain.history[-1].train_loss, rel=1e-3)


def test_an_annealed_run_resumed_mid_schedule_ends_bit_identical(tmp_path: Path) -> None:
    # The capacity C(step) depends on the steps taken: a resumed run must count them on.
    params = {"c_max": 20.0, "iteration_threshold": 9}  # 4 steps an epoch: C rises over ~2 epochs
    straight = run(tmp_path / "straight", "annealed_vae", 50.0, **params)
    first = run(tmp_path / "resumed", "annealed_vae", 50.0, callback=StopAfter(epochs=1), **params)
    assert first.status == "cancelled"
    resumed = run(tmp_path / "resumed", "annealed_vae", 50.0, **params)
    assert resumed.status == "completed" and resumed.epochs_run == 3
    assert states_equal(tmp_path / "straight/latest.pt", tmp_path / "resumed/latest.pt")
    assert [h.val_loss for h in resumed.history] == [h.val_loss for h in straight.history]


def test_a_beta_vae_checkpoint_written_before_objectives_existed_still_resumes(
    tmp_path: Path,
) -> None:
    first = run(tmp_path, "beta_vae", 1.0, callback=StopAfter(epochs=1))
    assert first.status == "cancelled"
    path = tmp_path / "latest.pt"
    ckpt = torch.load(path, weights_only=False)
    for name in (
        "objective",
        "lambda_d_factor",
        "c_max",
        "iteration_threshold",
        "discriminator_lr",
    ):
        del ckpt["train_config"][name]  # as an older betalab wrote it
    torch.save(ckpt, path)
    assert run(tmp_path, "beta_vae", 1.0).status == "completed"
    with pytest.raises(ValueError, match="another train config"):
        run(tmp_path, "beta_tcvae", 1.0)  # not the objective it was trained with


def test_fused_training_refuses_objectives_whose_costs_are_batch_statistics(
    tmp_path: Path,
) -> None:
    cfg = get_train_config("smoke", **FAST, objective="beta_tcvae")
    with pytest.raises(ValueError, match="beta_tcvae runs train one at a time"):
        train_fused(
            model_config=model_config_for("mnist", "fc"),
            train_config=cfg,
            betas=[1.0, 2.0],
            seeds=[0, 1],
            data=DATA,
            checkpoint_dirs=[tmp_path / "a", tmp_path / "b"],
        )
