"""One training run's state, shared by single (`train.train`) and fused (`fused.train_fused`) runs.

A `RunState` is everything about a run that is not the network: its identity (model and train
config, β, seed), its random streams, its training rows, its early-stopping progress, its
checkpoint files and its outcome. Both loops drive the same object through the same steps:

    run = RunState(...)                  seeds split, training rows drawn, files located
    run.restore(latest)                  when resuming: identity checked, RNG and progress back
    run.begin_epoch(batch_size)          this epoch's shuffled batches, cost sums zeroed
    run.add_costs(costs, n)              after each step
    run.end_epoch(val, t0, ...)          EpochStats recorded, best.pt / latest.pt written
    run.finish(status, reason)           the TrainResult

so a fused run of K models is K of these beside one stacked network, and a single run is one
beside one model. The checkpoints either writes are the same files, key for key, which is what
lets either loop resume the other's run (PROTOCOL §3; tests/vae_core/test_fused.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import torch

from vae_core.checkpoint import BEST_NAME, LATEST_NAME, atomic_save
from vae_core.config import ModelConfig, TrainConfig
from vae_core.losses import KL_BETA_MIN
from vae_core.precision import Precision, precision_name

CHECKPOINT_VERSION = 1
# TrainConfig fields that may differ between an interrupted run and its resumption.
RESUME_FREE_FIELDS = ("device", "compile")
STREAMS = ("init", "subset", "shuffle", "noise", "reparam", "validation")


@dataclass(frozen=True)
class EpochStats:
    """One epoch's costs (batch means) and throughput; `seconds` includes validation."""

    epoch: int
    train_loss: float
    val_loss: float
    recon: float
    kl: float
    val_recon: float
    val_kl: float
    images_per_s: float  # training images per second of training steps
    seconds: float


@dataclass
class TrainResult:
    """Outcome of a run; `best_checkpoint` exists only if some epoch finished."""

    status: Literal["completed", "failed", "cancelled"]
    reason: str | None
    epochs_run: int
    best_epoch: int | None
    best_val_loss: float | None
    history: list[EpochStats] = field(default_factory=list)
    best_checkpoint: Path = Path(BEST_NAME)
    precision: Precision = "fp32"


class TrainCallback(Protocol):
    """Progress hooks: `on_epoch` after each epoch's checkpoints; `should_stop` between steps."""

    def on_epoch(self, stats: EpochStats) -> None: ...

    def should_stop(self) -> bool: ...


@dataclass
class Progress:
    """Early-stopping state, saved in every checkpoint."""

    epoch: int = 0
    best_val: float = float("inf")
    best_epoch: int | None = None
    since_best: int = 0
    history: list[EpochStats] = field(default_factory=list)

    def finished(self, cfg: TrainConfig) -> bool:
        """True after more than `patience` epochs without improvement, or at `max_epochs`."""
        if self.since_best > cfg.patience:
            return True
        return cfg.max_epochs is not None and self.epoch >= cfg.max_epochs

    def to_dict(self) -> dict[str, Any]:
        return {
            "epoch": self.epoch,
            "best_val": self.best_val,
            "best_epoch": self.best_epoch,
            "since_best": self.since_best,
            "history": [asdict(h) for h in self.history],
        }

    @classmethod
    def from_dict(cls, p: dict[str, Any]) -> Progress:
        return cls(
            epoch=p["epoch"],
            best_val=p["best_val"],
            best_epoch=p["best_epoch"],
            since_best=p["since_best"],
            history=[EpochStats(**h) for h in p["history"]],
        )


# ---- randomness, devices, precision ------------------------------------------------------------


def stream_seeds(seed: int) -> dict[str, int]:
    """Independent 63-bit seeds for each random stream of a run (`STREAMS`)."""
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {
        n: int(c.generate_state(1, np.uint64)[0] >> 1)
        for n, c in zip(STREAMS, children, strict=True)
    }


def torch_gen(seed: int, device: torch.device) -> torch.Generator:
    """A torch generator on `device` seeded with `seed`."""
    return torch.Generator(device=device).manual_seed(seed)


def device_of(name: str) -> torch.device:
    """Parse and check a device name; CUDA is touched only here, at run time."""
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"device {name!r} requested but CUDA is not available")
    return device


def autocast(device: torch.device, cfg: TrainConfig) -> torch.autocast:
    """bf16 autocast on `device` when `cfg` says so; `cfg.bf16` must be decided."""
    if cfg.bf16 is None:
        raise ValueError("TrainConfig.bf16 is undecided: pass the config through resolve_precision")
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.bf16)


def rng_state(gens: dict[str, torch.Generator], shuffle: np.random.Generator) -> dict:
    """Every RNG state the loop depends on (plus torch's global ones), as plain objects."""
    state: dict[str, Any] = {name: g.get_state() for name, g in gens.items()}
    state["numpy_shuffle"] = shuffle.bit_generator.state
    state["torch_global"] = torch.get_rng_state()
    if torch.cuda.is_initialized():
        state["torch_cuda_all"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(
    state: dict, gens: dict[str, torch.Generator], shuffle: np.random.Generator
) -> None:
    """Inverse of `rng_state`."""
    for name, g in gens.items():
        g.set_state(state[name].cpu())
    shuffle.bit_generator.state = state["numpy_shuffle"]
    torch.set_rng_state(state["torch_global"].cpu())
    if "torch_cuda_all" in state and torch.cuda.is_initialized():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["torch_cuda_all"]])


def set_bn_momentum(model: torch.nn.Module, momentum: float | None) -> None:
    """Every batch-norm layer of `model` at `momentum` (None: leave the model's own)."""
    if momentum is None:
        return
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.momentum = momentum


# ---- data order -------------------------------------------------------------------------------


def batches(order: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Split `order` into batches of `batch_size`; a short last batch joins the one before."""
    n_full = max(1, len(order) // batch_size)
    cuts = np.arange(1, n_full) * batch_size
    return np.split(order, cuts)


def train_pool(n: int, cfg: TrainConfig, train_indices: np.ndarray | None, seed: int) -> np.ndarray:
    """Training rows: `train_indices` (or all), then a seeded `train_fraction` subset, sorted."""
    pool = np.arange(n) if train_indices is None else np.asarray(train_indices, dtype=np.int64)
    if cfg.train_fraction < 1.0:
        k = max(1, round(cfg.train_fraction * len(pool)))
        pool = np.sort(np.random.default_rng(seed).choice(pool, size=k, replace=False))
    if len(pool) == 0:
        raise ValueError("no training images")
    return pool


def learning_rate(cfg: TrainConfig, dataset: str, beta: float) -> float:
    """The run's Adam learning rate: `beta0_learning_rate` for shapes at β = 0 (PROTOCOL §3)."""
    if dataset == "shapes" and beta < KL_BETA_MIN:
        return cfg.beta0_learning_rate
    return cfg.learning_rate


# ---- the run ----------------------------------------------------------------------------------


class RunState:
    """One run's identity, streams, rows, progress, files and outcome (see the module docstring).

    `cfg` must have its precision decided (`train.resolve_precision`); `n_train` is the size of the
    training split the rows are drawn from.
    """

    def __init__(
        self,
        *,
        model_config: ModelConfig,
        cfg: TrainConfig,
        beta: float,
        seed: int,
        checkpoint_dir: Path,
        device: torch.device,
        n_train: int,
        train_indices: np.ndarray | None = None,
        callback: TrainCallback | None = None,
    ) -> None:
        self.cfg, self.beta, self.seed = cfg, float(beta), int(seed)
        self.seeds = stream_seeds(self.seed)
        self.identity: dict[str, Any] = {
            "model_config": model_config.to_dict(),
            "train_config": cfg.to_dict(),
            "beta": self.beta,
            "seed": self.seed,
        }
        self.lr = learning_rate(cfg, model_config.dataset, self.beta)
        self.pool = train_pool(n_train, cfg, train_indices, self.seeds["subset"])
        self.gens = {name: torch_gen(self.seeds[name], device) for name in ("noise", "reparam")}
        self.shuffle = np.random.default_rng(self.seeds["shuffle"])
        self.progress = Progress()
        self.dir = Path(checkpoint_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.callback = callback
        self.device = device
        self.result: TrainResult | None = None
        self.order: list[np.ndarray] = []
        self.sums = torch.zeros(3, dtype=torch.float64, device=device)

    @property
    def best_path(self) -> Path:
        return self.dir / BEST_NAME

    @property
    def latest_path(self) -> Path:
        return self.dir / LATEST_NAME

    def init_generator(self) -> torch.Generator:
        """The generator the run's weights are initialised from (CPU, as `build_model` wants)."""
        return torch.Generator().manual_seed(self.seeds["init"])

    def check_resumable(self, ckpt: dict) -> None:
        """Refuse a checkpoint written for a different run."""
        for key in ("model_config", "beta", "seed"):
            if ckpt[key] != self.identity[key]:
                raise ValueError(f"{LATEST_NAME} belongs to another run: {key} {ckpt[key]!r}")
        # A field added since the checkpoint was written reads as its default, which is what
        # the run trained with (e.g. `objective`: β-VAE).
        written = {**TrainConfig().to_dict(), **ckpt["train_config"]}
        saved = {k: v for k, v in written.items() if k not in RESUME_FREE_FIELDS}
        wanted = {
            k: v for k, v in self.identity["train_config"].items() if k not in RESUME_FREE_FIELDS
        }
        if saved != wanted:
            raise ValueError(f"{LATEST_NAME} was written with another train config: {saved}")

    def restore(self, ckpt: dict) -> None:
        """Take up an interrupted run from its latest.pt: RNG streams and early stopping.

        The network's and optimiser's states are the caller's to load (one model, or one slice
        of a stack); `check_resumable` must have passed.
        """
        set_rng_state(ckpt["rng"], self.gens, self.shuffle)
        self.progress = Progress.from_dict(ckpt["progress"])

    def finished(self) -> bool:
        return self.progress.finished(self.cfg)

    @property
    def next_epoch(self) -> int:
        return self.progress.epoch + 1

    def begin_epoch(self, batch_size: int) -> None:
        """This epoch's batches (a fresh shuffle of the rows) and zeroed cost sums."""
        self.order = batches(self.pool[self.shuffle.permutation(len(self.pool))], batch_size)
        self.sums = torch.zeros(3, dtype=torch.float64, device=self.device)

    def add_costs(self, costs: torch.Tensor, n: int) -> None:
        """Add one step's detached batch-mean (total, recon, kl) over `n` images."""
        self.sums += costs.double() * n

    def stop_requested(self) -> bool:
        return self.callback is not None and self.callback.should_stop()

    def cancel(self, step: int) -> TrainResult:
        return self.finish(
            "cancelled", f"stopped by request in epoch {self.next_epoch} at step {step}"
        )

    def fail_step(self, step: int) -> TrainResult:
        return self.finish(
            "failed", f"non-finite training loss at epoch {self.next_epoch} step {step}"
        )

    def snapshot(
        self,
        model_state: dict[str, torch.Tensor],
        optimizer_state: Callable[[], dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Checkpoint dict; with `optimizer_state` also what resuming needs (optimiser, RNG,
        early stopping)."""
        p = self.progress
        out: dict[str, Any] = {
            "version": CHECKPOINT_VERSION,
            **self.identity,
            "epoch": p.epoch,
            "val_loss": p.history[-1].val_loss if p.history else None,
            "model_state": model_state,
        }
        if optimizer_state is not None:
            out["optimizer_state"] = optimizer_state()
            out["rng"] = rng_state(self.gens, self.shuffle)
            out["progress"] = p.to_dict()
        return out

    def end_epoch(
        self,
        val: tuple[float, float, float],
        *,
        started: float,
        train_seconds: float,
        model_state: Callable[[], dict[str, torch.Tensor]],
        optimizer_state: Callable[[], dict[str, Any]],
    ) -> EpochStats | None:
        """Record the epoch that began at `started` (perf_counter) with validation costs `val`:
        its EpochStats, best.pt when it improved, latest.pt, the callback. When the validation
        cost is not finite the run finishes as failed instead (`result` is set) and this gives
        None."""
        epoch = self.next_epoch
        val_loss, val_recon, val_kl = val
        if not np.isfinite(val_loss):
            self.finish("failed", f"non-finite validation loss at epoch {epoch}")
            return None
        train_loss, recon, kl = (self.sums / len(self.pool)).tolist()
        images_per_s, seconds = len(self.pool) / train_seconds, time.perf_counter() - started
        stats = EpochStats(
            epoch, train_loss, val_loss, recon, kl, val_recon, val_kl, images_per_s, seconds
        )
        p = self.progress
        p.epoch = epoch
        p.history.append(stats)
        if val_loss < p.best_val:
            p.best_val, p.best_epoch, p.since_best = val_loss, epoch, 0
            atomic_save(self.snapshot(model_state()), self.best_path)
        else:
            p.since_best += 1
        atomic_save(self.snapshot(model_state(), optimizer_state), self.latest_path)
        if self.callback is not None:
            self.callback.on_epoch(stats)
        return stats

    def finish(self, status: str, reason: str | None = None) -> TrainResult:
        """The run's TrainResult for its progress so far, kept as `result`."""
        p = self.progress
        self.result = TrainResult(
            status=status,  # type: ignore[arg-type]
            reason=reason,
            epochs_run=p.epoch,
            best_epoch=p.best_epoch,
            best_val_loss=None if p.best_epoch is None else p.best_val,
            history=list(p.history),
            best_checkpoint=self.best_path,
            precision=precision_name(bool(self.cfg.bf16)),
        )
        return self.result
