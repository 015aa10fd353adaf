"""The training loop: presets, batching, resuming bit-identically, checkpoints, failure modes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.utils.train_data import rectangle_splits
from vae_core.checkpoint import load_checkpoint, load_checkpoint_model
from vae_core.config import EVALUATIONS
from vae_core.data.images import DataSplits, ImageSet
from vae_core.data.mnist import label_fraction_indices, load_mnist
from vae_core.data.shapes import ShapesGroundTruth
from vae_core.models import model_config_for
from vae_core.precision import cpu_bf16_isa
from vae_core.run_state import Progress, autocast, batches, train_pool
from vae_core.train import (
    PRESETS,
    EpochStats,
    TrainConfig,
    get_train_config,
    resolve_precision,
    train,
)

pytestmark = pytest.mark.numerics

MNIST_LIKE = rectangle_splits("mnist", (600, 200, 100))
SHAPES_LIKE = rectangle_splits("shapes", (200, 100, 50))
FAST = {"train_fraction": 1.0, "batch_size": 100, "max_epochs": 3, "bf16": False}


class StopAfter:
    """Asks to stop once `epochs` epochs have ended; records every epoch's stats."""

    def __init__(self, epochs: int | None = None) -> None:
        self.epochs = epochs
        self.seen: list[EpochStats] = []

    def on_epoch(self, stats: EpochStats) -> None:
        self.seen.append(stats)

    def should_stop(self) -> bool:
        return self.epochs is not None and len(self.seen) >= self.epochs


class Crash(Exception):
    pass


class CrashAfter(StopAfter):
    """Raises from `on_epoch` (after the checkpoints are written) at epoch `epochs`."""

    def on_epoch(self, stats: EpochStats) -> None:
        super().on_epoch(stats)
        if len(self.seen) == self.epochs:
            raise Crash


def run(tmp: Path, data: DataSplits = MNIST_LIKE, model_type: str = "fc-denoising", **kw):
    overrides = {**FAST, **kw.pop("overrides", {})}
    return train(
        model_config=model_config_for(data.name, model_type),
        train_config=get_train_config("smoke", **overrides),
        beta=kw.pop("beta", 1.0),
        seed=kw.pop("seed", 7),
        data=data,
        checkpoint_dir=tmp,
        **kw,
    )


def states_equal(a: Path, b: Path) -> bool:
    sa, sb = load_checkpoint(a)["model_state"], load_checkpoint(b)["model_state"]
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_paper_preset_is_the_protocol() -> None:
    paper = PRESETS["paper"]
    assert (paper.learning_rate, paper.beta0_learning_rate, paper.batch_size) == (1e-3, 3e-5, 1000)
    assert (paper.patience, paper.max_epochs, paper.train_fraction) == (5, None, 1.0)
    assert (paper.validation_cap, paper.noise_amount, paper.noise_fraction) == (40_000, 0.2, 0.9)
    assert paper.bn_momentum is None and not paper.eval_corrupt
    assert set(PRESETS) == {"paper", "quick", "calibrated", "smoke"}


def test_calibrated_preset_trains_beta0_at_the_common_rate_on_a_capped_budget() -> None:
    cal = PRESETS["calibrated"]
    assert cal.beta0_learning_rate == cal.learning_rate == 1e-3  # the documented deviation
    assert (cal.train_fraction, cal.max_epochs, cal.batch_size) == (0.05, 8, 64)
    assert cal.bf16 is None and cal.bn_momentum == 0.1


def test_each_preset_names_its_evaluation_and_an_unknown_one_is_refused() -> None:
    from vae_core.evaluate import CALIBRATED, FAST, FULL, SAMPLE_SIZES

    assert set(SAMPLE_SIZES) == set(EVALUATIONS)
    sizes = {name: SAMPLE_SIZES[cfg.evaluation] for name, cfg in PRESETS.items()}
    assert sizes == {"paper": FULL, "quick": FULL, "calibrated": CALIBRATED, "smoke": FAST}
    assert get_train_config("smoke", evaluation="full").evaluation == "full"
    with pytest.raises(ValueError, match="evaluation"):
        get_train_config("paper", evaluation="thorough")


def test_overrides_are_validated_by_name() -> None:
    cfg = get_train_config("smoke", batch_size=50)
    assert cfg.batch_size == 50 and cfg.preset == "smoke"
    with pytest.raises(ValueError, match="batch_sise"):
        get_train_config("smoke", batch_sise=50)
    with pytest.raises(ValueError):
        get_train_config("fast")
    for device in ("tpu", "cuda:", "cuda:0; rm -rf /", "cpu:0", " cpu"):
        with pytest.raises(ValueError, match="device"):
            get_train_config("smoke", device=device)
    assert get_train_config("smoke", device="cuda:12").device == "cuda:12"
    with pytest.raises(ValueError):
        get_train_config("paper", train_fraction=0.0)


def test_train_config_round_trips_through_a_dict() -> None:
    cfg = get_train_config("quick", device="cuda:1", bf16=True)
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg


def test_auto_precision_is_bf16_where_native_and_validated_and_an_explicit_one_is_kept() -> None:
    assert PRESETS["paper"].bf16 is False
    assert PRESETS["quick"].bf16 is None and PRESETS["smoke"].bf16 is None
    cpu = torch.device("cpu")
    native = cpu_bf16_isa() is not None  # AMX-BF16 or AVX512-BF16 on this host
    validated = model_config_for("shapes", "conv-denoising")
    quick = get_train_config("quick")
    assert resolve_precision(quick, validated, cpu).bf16 is native
    # Native hardware is not enough: fc read differently in bf16, MNIST was never compared.
    for dataset, model_type in [("shapes", "fc"), ("shapes", "conv"), ("mnist", "conv-denoising")]:
        assert resolve_precision(quick, model_config_for(dataset, model_type), cpu).bf16 is False
    assert resolve_precision(PRESETS["paper"], validated, cpu).bf16 is False
    fc = model_config_for("shapes", "fc")
    assert resolve_precision(get_train_config("paper", bf16=True), fc, cpu).bf16 is True
    assert resolve_precision(get_train_config("quick", bf16=False), validated, cpu).bf16 is False


def test_an_interrupted_run_keeps_the_precision_it_began_with() -> None:
    cpu = torch.device("cpu")
    for model_type in ("fc", "conv-denoising"):
        model = model_config_for("shapes", model_type)
        for began in (False, True):
            saved = {"train_config": get_train_config("quick", bf16=began).to_dict()}
            assert resolve_precision(get_train_config("quick"), model, cpu, saved).bf16 is began


def test_an_undecided_precision_is_refused_by_the_step() -> None:
    with pytest.raises(ValueError, match="resolve_precision"):
        autocast(torch.device("cpu"), get_train_config("smoke", bf16=None))


@pytest.mark.cpu_policy
def test_auto_precision_is_decided_at_start_recorded_and_kept_on_resume(tmp_path: Path) -> None:
    native = cpu_bf16_isa() is not None
    auto = {"bf16": None, "batch_size": 50, "validation_cap": 50}
    conv = {"data": SHAPES_LIKE, "model_type": "conv-denoising", "overrides": auto}
    first = run(tmp_path / "auto", callback=StopAfter(epochs=1), **conv)
    assert first.precision == ("bf16" if native else "fp32")
    assert load_checkpoint(tmp_path / "auto/latest.pt")["train_config"]["bf16"] is native
    fc = run(tmp_path / "fc", data=SHAPES_LIKE, model_type="fc", overrides=auto)
    assert fc.precision == "fp32"  # not validated in bf16, whatever the CPU

    # A run begun in the other precision (another machine) resumes in it, not in this host's.
    other = {**conv, "overrides": {**auto, "bf16": not native}}
    assert run(tmp_path / "other", callback=StopAfter(epochs=1), **other).status == "cancelled"
    resumed = run(tmp_path / "other", **conv)
    assert resumed.status == "completed" and resumed.epochs_run == 3
    assert resumed.precision == ("fp32" if native else "bf16")
    assert load_checkpoint(tmp_path / "other/latest.pt")["train_config"]["bf16"] is (not native)


def test_short_last_batch_joins_the_previous_one() -> None:
    assert [len(b) for b in batches(np.arange(2500), 1000)] == [1000, 1500]
    assert [len(b) for b in batches(np.arange(3000), 1000)] == [1000, 1000, 1000]
    assert [len(b) for b in batches(np.arange(999), 1000)] == [999]
    assert np.array_equal(np.concatenate(batches(np.arange(2500), 1000)), np.arange(2500))


def test_training_pool_restricts_to_indices_then_takes_a_seeded_fraction() -> None:
    allowed = np.arange(0, 1000, 2)
    cfg = get_train_config("paper", train_fraction=0.1)
    pool = train_pool(1000, cfg, allowed, seed=3)
    assert len(pool) == 50 and np.isin(pool, allowed).all()
    assert np.array_equal(pool, train_pool(1000, cfg, allowed, seed=3))
    assert not np.array_equal(pool, train_pool(1000, cfg, allowed, seed=4))
    assert np.array_equal(train_pool(10, PRESETS["paper"], None, seed=0), np.arange(10))


def test_stops_after_more_than_patience_epochs_without_improvement() -> None:
    cfg = get_train_config("paper", patience=2)
    assert not Progress(epoch=9, since_best=2).finished(cfg)
    assert Progress(epoch=9, since_best=3).finished(cfg)
    assert Progress(epoch=2).finished(dataclasses.replace(cfg, max_epochs=2))


def test_completed_run_writes_best_and_latest_and_reports_history(tmp_path: Path) -> None:
    cb = StopAfter()
    result = run(tmp_path, callback=cb)
    assert result.status == "completed" and result.reason is None
    assert result.epochs_run == 3 and len(result.history) == 3 and cb.seen == result.history
    assert result.best_val_loss == min(h.val_loss for h in result.history)
    assert result.history[result.best_epoch - 1].val_loss == result.best_val_loss
    assert all(h.images_per_s > 0 and np.isfinite(h.train_loss) for h in result.history)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.pt", "latest.pt"]  # no temp files
    latest = load_checkpoint(tmp_path / "latest.pt")
    assert {"optimizer_state", "rng", "progress", "model_config", "train_config"} <= set(latest)
    assert {"numpy_shuffle", "torch_global", "noise", "reparam"} <= set(latest["rng"])
    assert latest["beta"] == 1.0 and latest["seed"] == 7


def test_a_checkpoint_alone_rebuilds_the_model(tmp_path: Path) -> None:
    result = run(tmp_path, model_type="conv", overrides={"max_epochs": 1})
    model = load_checkpoint_model(result.best_checkpoint)
    assert model.config == model_config_for("mnist", "conv") and not model.training
    state = load_checkpoint(result.best_checkpoint)["model_state"]
    assert all(torch.equal(model.state_dict()[k], v) for k, v in state.items())
    x = torch.from_numpy(MNIST_LIKE.test.floats(np.arange(4)))
    with torch.no_grad():
        assert model.encode(x)[0].shape == (4, 16)


@pytest.mark.parametrize("interrupt", ["should_stop", "exception"])
def test_interrupted_and_resumed_run_ends_bit_identical(tmp_path: Path, interrupt: str) -> None:
    straight = run(tmp_path / "straight")
    if interrupt == "should_stop":
        first = run(tmp_path / "resumed", callback=StopAfter(epochs=1))
        assert first.status == "cancelled" and first.epochs_run == 1
    else:
        with pytest.raises(Crash):
            run(tmp_path / "resumed", callback=CrashAfter(epochs=2))
    resumed = run(tmp_path / "resumed")
    assert resumed.status == "completed" and resumed.epochs_run == 3
    assert states_equal(tmp_path / "straight/latest.pt", tmp_path / "resumed/latest.pt")
    assert states_equal(tmp_path / "straight/best.pt", tmp_path / "resumed/best.pt")
    assert [h.val_loss for h in resumed.history] == [h.val_loss for h in straight.history]
    assert resumed.best_epoch == straight.best_epoch


def test_resuming_a_finished_run_returns_its_result(tmp_path: Path) -> None:
    done = run(tmp_path)
    again = run(tmp_path, callback=StopAfter(epochs=0))  # would cancel if any step ran
    assert again.status == "completed" and again.history == done.history


def test_resume_refuses_a_checkpoint_of_another_run(tmp_path: Path) -> None:
    run(tmp_path, overrides={"max_epochs": 1})
    with pytest.raises(ValueError, match="beta"):
        run(tmp_path, beta=2.0, overrides={"max_epochs": 1})


def test_seed_controls_the_result(tmp_path: Path) -> None:
    a = run(tmp_path / "a", overrides={"max_epochs": 1})
    b = run(tmp_path / "b", overrides={"max_epochs": 1})
    c = run(tmp_path / "c", seed=8, overrides={"max_epochs": 1})
    assert a.history[0].val_loss == b.history[0].val_loss != c.history[0].val_loss


def test_non_finite_loss_fails_the_run_with_a_reason(tmp_path: Path) -> None:
    result = run(tmp_path, overrides={"learning_rate": float("inf")})
    assert result.status == "failed"
    assert result.reason == "non-finite training loss at epoch 1 step 1"


def test_should_stop_before_any_step_cancels(tmp_path: Path) -> None:
    result = run(tmp_path, callback=StopAfter(epochs=0))
    assert result.status == "cancelled" and result.epochs_run == 0
    assert not (tmp_path / "latest.pt").exists()


def mean_image_bce(train_x: np.ndarray, val_x: np.ndarray) -> float:
    """Cross-entropy (summed over pixels, mean over images) of predicting the mean train image."""
    p = train_x.mean(axis=0, keepdims=True).clip(1e-6, 1 - 1e-6)  # (1, 1, H, W)
    bce = -(val_x * np.log(p) + (1 - val_x) * np.log(1 - p))  # (N, 1, H, W)
    return float(bce.reshape(len(val_x), -1).sum(axis=1).mean())


def test_fc_model_learns_the_shapes(tmp_path: Path) -> None:
    gt, rng = ShapesGroundTruth(), np.random.default_rng(0)
    splits = []
    for n in (1000, 200, 10):
        img = gt.render(gt.sample_factors(n, rng)).reshape(n, -1)  # (n, 4096) bool
        splits.append(ImageSet(np.packbits(img, axis=1), (64, 64), packed=True))
    data = DataSplits("shapes", *splits)
    result = run(tmp_path, data, "fc", overrides={"batch_size": 50})
    first, last = result.history[0], result.history[-1]
    assert result.status == "completed"
    assert last.val_loss < 0.6 * first.val_loss
    baseline = mean_image_bce(data.train.floats(), data.validation.floats())
    assert last.val_recon < 0.8 * baseline


def test_fc_model_learns_mnist_from_a_label_fraction(tmp_path: Path, mnist_dir: Path) -> None:
    data = load_mnist(mnist_dir, allow_download=False)
    idx = label_fraction_indices(data.train.labels, 0.04, seed=0)  # ~2,200 images
    result = run(
        tmp_path, data, "fc", train_indices=idx, overrides={"batch_size": 50, "validation_cap": 500}
    )
    first, last = result.history[0], result.history[-1]
    assert last.val_loss < 0.8 * first.val_loss
    baseline = mean_image_bce(data.train.floats(idx), data.validation.floats(np.arange(500)))
    assert last.val_recon < 0.8 * baseline


def test_compiled_training_matches_eager_and_writes_ordinary_checkpoints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`compile=True` (torch.compile on the CPU here) trains the same model: the same per-epoch
    costs up to kernel rounding, and checkpoints the plain model class loads (no compile prefix).

    In float32, as the worker runs it: fused, reordered kernels change sums of n ≤ 1e5 terms by
    about √n·u ≈ 2e-5 (u = 2^-24; Higham & Mary's probabilistic bound), which two epochs of Adam
    may amplify tenfold: 1e-3. (float64 would be the tighter oracle, but inductor's float64 code
    gives a non-finite first step when ATen is held to AVX2.)
    """
    # A cache of its own: inductor's on-disk cache key ignores ATEN_CPU_CAPABILITY, so kernels
    # cached by the AVX2 run were loaded by the next default run (and segfaulted there).
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path / "inductor"))
    overrides = {"max_epochs": 2}
    eager = run(tmp_path / "eager", model_type="fc", overrides=overrides)
    compiled = run(tmp_path / "compiled", model_type="fc", overrides={**overrides, "compile": True})
    assert compiled.status == "completed", compiled.reason
    model = load_checkpoint_model(compiled.best_checkpoint)
    assert compiled.epochs_run == 2
    for a, b in zip(eager.history, compiled.history, strict=True):
        assert b.train_loss == pytest.approx(a.train_loss, rel=1e-3)
        assert b.val_loss == pytest.approx(a.val_loss, rel=1e-3)
    state = load_checkpoint(compiled.best_checkpoint)["model_state"]
    assert state.keys() == load_checkpoint(eager.best_checkpoint)["model_state"].keys()
    assert all(torch.equal(model.state_dict()[k], v) for k, v in state.items())
