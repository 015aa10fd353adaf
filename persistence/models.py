"""SQLAlchemy 2 ORM: experiments, runs (one per grid cell), epochs, metrics, artifacts, API keys."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from vae_core.spec import ExperimentSpec


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    """Declarative base; naming convention keeps Alembic constraint names stable."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class RunStatus(str, enum.Enum):
    """Life cycle of one grid cell. Terminal: completed, failed, cancelled."""

    queued = "queued"
    running = "running"
    evaluating = "evaluating"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"


TERMINAL_RUN_STATUSES = frozenset({RunStatus.completed, RunStatus.failed, RunStatus.cancelled})


class TaskPhase(str, enum.Enum):
    """Which task a delivery of a run is: training (run running) or scoring (run evaluating)."""

    train = "train"
    evaluate = "evaluate"


class KeyScope(str, enum.Enum):
    """What an API key may do, each scope including the ones before it.

    read: GET only; write: also create experiments and cancel or delete its own; admin: also
    cancel or delete anyone's, including experiments without an owner.
    """

    read = "read"
    write = "write"
    admin = "admin"

    def includes(self, needed: KeyScope) -> bool:
        """True when a key of this scope may do what `needed` allows."""
        order = list(KeyScope)
        return order.index(self) >= order.index(needed)


class ExperimentStatus(str, enum.Enum):
    queued = "queued"
    running = "running"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"


_tz = DateTime(timezone=True)


class Experiment(Base):
    __tablename__ = "experiments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    dataset: Mapped[str] = mapped_column(String(16))
    # ExperimentSpec.to_dict(): the validated body, with the resolved training config. Read it
    # typed through `experiment_spec`.
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[ExperimentStatus] = mapped_column(
        Enum(ExperimentStatus, native_enum=False, length=16),
        default=ExperimentStatus.queued,
        index=True,
    )
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    # The API key that created it; NULL for experiments made before keys owned them (0003).
    owner_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="SET NULL"), nullable=True, index=True
    )
    run_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(_tz, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(_tz, default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(_tz, nullable=True)

    runs: Mapped[list[Run]] = relationship(
        back_populates="experiment", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def experiment_spec(self) -> ExperimentSpec:
        """The stored spec, typed (what the API, the worker and crud read)."""
        return ExperimentSpec.from_dict(self.spec)


class Run(Base):
    __tablename__ = "runs"
    __table_args__ = (
        UniqueConstraint("experiment_id", "grid_index"),
        Index("ix_runs_experiment_status", "experiment_id", "status"),
        Index("ix_runs_status_heartbeat", "status", "heartbeat_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    experiment_id: Mapped[str] = mapped_column(
        ForeignKey("experiments.id", ondelete="CASCADE"), index=True
    )
    grid_index: Mapped[int] = mapped_column(Integer)
    model_type: Mapped[str] = mapped_column(String(32))
    beta: Mapped[float] = mapped_column(Float)
    seed: Mapped[int] = mapped_column(Integer)
    label_fraction: Mapped[float | None] = mapped_column(Float, nullable=True)

    status: Mapped[RunStatus] = mapped_column(
        Enum(RunStatus, native_enum=False, length=16), default=RunStatus.queued
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    failure_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    task_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    worker: Mapped[str | None] = mapped_column(String(200), nullable=True)
    epochs_done: Mapped[int] = mapped_column(Integer, default=0)
    best_epoch: Mapped[int | None] = mapped_column(Integer, nullable=True)
    current_loss: Mapped[float | None] = mapped_column(Float, nullable=True)
    # The precision training ran in ("fp32" | "bf16"); set when training finishes.
    precision: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # Seconds spent inside vae_core (training + evaluation), to measure queue/db overhead.
    compute_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    enqueued_at: Mapped[datetime | None] = mapped_column(_tz, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(_tz, nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(_tz, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(_tz, nullable=True)
    created_at: Mapped[datetime] = mapped_column(_tz, default=utcnow)

    experiment: Mapped[Experiment] = relationship(back_populates="runs")
    epochs: Mapped[list[RunEpoch]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="RunEpoch.epoch"
    )
    metrics: Mapped[list[MetricResult]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class RunEpoch(Base):
    """One epoch of training history for a run."""

    __tablename__ = "run_epochs"
    __table_args__ = (UniqueConstraint("run_id", "epoch"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    epoch: Mapped[int] = mapped_column(Integer)
    train_loss: Mapped[float] = mapped_column(Float)
    val_loss: Mapped[float] = mapped_column(Float)
    recon: Mapped[float] = mapped_column(Float)
    kl: Mapped[float] = mapped_column(Float)
    val_recon: Mapped[float] = mapped_column(Float)
    val_kl: Mapped[float] = mapped_column(Float)
    images_per_s: Mapped[float] = mapped_column(Float)
    seconds: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(_tz, default=utcnow)


class MetricResult(Base):
    """One metric value of one run; `key` is a result key of vae_core.metrics.registry."""

    __tablename__ = "metric_results"
    __table_args__ = (
        UniqueConstraint("run_id", "key"),
        Index("ix_metric_results_experiment_key", "experiment_id", "key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    experiment_id: Mapped[str] = mapped_column(ForeignKey("experiments.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(_tz, default=utcnow)


class Artifact(Base):
    """A picture produced by evaluation, stored in the database so any API replica serves it."""

    __tablename__ = "artifacts"
    __table_args__ = (UniqueConstraint("run_id", "kind"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # traversal | reconstructions | response
    content_type: Mapped[str] = mapped_column(String(64), default="image/png")
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(_tz, default=utcnow)


class ApiKey(Base):
    """An API key, stored as its SHA-256 only; revoked keys stay so that `keys list` shows them."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[KeyScope] = mapped_column(
        Enum(KeyScope, native_enum=False, length=8),
        default=KeyScope.write,
        server_default=KeyScope.write.value,
    )
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(_tz, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(_tz, nullable=True)
