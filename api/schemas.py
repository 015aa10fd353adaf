"""Request and response shapes, one family per resource (Create / Public / plural Public)."""

from __future__ import annotations

import dataclasses
import math
import typing
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationInfo,
    create_model,
    field_validator,
)

from persistence.models import ExperimentStatus, RunStatus
from vae_core.config import (
    DEVICE_PATTERN,
    EVALUATIONS,
    MODEL_TYPES,
    PRESETS,
    TRAINABLE_OBJECTIVES,
    TrainConfig,
)
from vae_core.metrics.registry import DEFAULT_METRICS, METRICS, validate_metrics


def _as_utc(moment: datetime) -> datetime:
    """The database stores UTC; SQLite hands it back naive. Serve it with its zone, always."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# An RFC 3339 date-time with its offset (`...Z`), the same on SQLite and PostgreSQL.
UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]

MAX_BETAS = 10_000
ModelType = Literal[MODEL_TYPES]  # type: ignore[valid-type]
Dataset = Literal["shapes", "mnist"]
Preset = Literal[tuple(sorted(PRESETS))]  # type: ignore[valid-type]
Beta = Annotated[float, Field(ge=0, le=1000)]


def _integral(value: Any) -> Any:
    """JSON Schema's `integer` includes 3.0, which Python's json reads as a float: take it as 3
    (and only it: 2.5, "3", true stay what strict mode says they are, invalid)."""
    if type(value) is float and value.is_integer():
        return int(value)
    return value


def json_int(**bounds: Any) -> Any:
    """An integer field as JSON Schema means it: strict, but 3.0 is 3 (bounds before the
    validator, or pydantic writes them into the schema under their Python names)."""
    return Annotated[int, Field(**bounds), BeforeValidator(_integral)]


Seed = Annotated[int, Field(ge=0, le=10_000), BeforeValidator(_integral)]
SeedCount = Annotated[int, Field(ge=1, le=100), BeforeValidator(_integral)]
LabelFraction = Annotated[float, Field(gt=0, le=1)]
# The metric groups each dataset accepts, as closed sets, so the spec names every valid request.
ShapesMetric = Literal[tuple(n for n, m in METRICS.items() if "shapes" in m.datasets)]  # type: ignore[valid-type]
# Every result key a metric group can yield (what a curve or a CSV row is about).
ResultKey = StrEnum(  # type: ignore[misc]
    "ResultKey", {k: k for k in dict.fromkeys(k for m in METRICS.values() for k in m.keys)}
)
MnistMetric = Literal[tuple(n for n, m in METRICS.items() if "mnist" in m.datasets)]  # type: ignore[valid-type]


class Strict(BaseModel):
    """Base for request bodies: unknown fields, coercions, NaN and infinities are rejected."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Public(BaseModel):
    """Base for responses, built from ORM rows."""

    model_config = ConfigDict(from_attributes=True)


def _unique(values: list[Any], what: str) -> list[Any]:
    seen = set()
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate {what} {value!r}")
        seen.add(value)
    return values


class BetaRange(Strict):
    """Betas start, start + step, ... up to and including stop."""

    start: Beta
    stop: Beta
    step: Annotated[float, Field(gt=0, le=1000)]

    def values(self) -> list[float]:
        """The betas of the range, rounded to 10 decimals so 0.1 steps do not drift."""
        count = math.floor((self.stop - self.start) / self.step + 1e-9) + 1
        return [float(b) for b in np.round(self.start + np.arange(count) * self.step, 10)]

    @field_validator("stop")
    @classmethod
    def _not_empty(cls, stop: float, info: ValidationInfo) -> float:
        start = info.data.get("start")
        if start is not None and stop < start:
            raise ValueError("stop must be >= start (the range would be empty)")
        return stop

    @field_validator("step")
    @classmethod
    def _not_too_many(cls, step: float, info: ValidationInfo) -> float:
        start, stop = info.data.get("start"), info.data.get("stop")
        if start is not None and stop is not None and (stop - start) / step >= MAX_BETAS:
            raise ValueError(f"the range yields more than {MAX_BETAS} betas")
        return step


# Bounds on training overrides, so that nothing the API stores can overflow a column or a worker.
_RATE = {"gt": 0, "le": 10}  # learning rates
_SHARE = {"ge": 0, "le": 1}  # fractions of something
_SIZE = {"gt": 0, "le": 1_000_000}  # an objective's positive weights and nats
_TRAINING_BOUNDS: dict[str, dict[str, Any]] = {
    "learning_rate": _RATE,
    "beta0_learning_rate": _RATE,
    "discriminator_lr": _RATE,
    "batch_size": {"ge": 1, "le": 1_000_000},
    "patience": {"ge": 0, "le": 10_000},
    "max_epochs": {"ge": 1, "le": 100_000},
    "train_fraction": {"gt": 0, "le": 1},
    "validation_cap": {"ge": 1, "le": 100_000_000},
    "iteration_threshold": {"ge": 1, "le": 1_000_000_000},
    "device": {"max_length": 32, "pattern": rf"^({DEVICE_PATTERN.pattern})$"},
    "noise_amount": _SHARE,
    "noise_fraction": _SHARE,
    "lambda_d_factor": _SIZE,
    "c_max": _SIZE,
}
# Closed sets among the overrides: their JSON Schema says which values there are.
_TRAINING_CHOICES: dict[str, Any] = {
    "evaluation": Literal[EVALUATIONS],
    "objective": Literal[TRAINABLE_OBJECTIVES],  # the catalog lists FactorVAE, not trainable yet
}


def _training_model() -> type[BaseModel]:
    """TrainingSpec: the preset plus an optional override for every TrainConfig field."""
    hints = typing.get_type_hints(TrainConfig)
    fields: dict[str, Any] = {
        "preset": (
            Preset,
            Field(default="paper", description="named defaults: " + ", ".join(sorted(PRESETS))),
        ),
    }
    for f in dataclasses.fields(TrainConfig):
        if f.name == "preset":
            continue
        bounds = _TRAINING_BOUNDS.get(f.name, {})
        hint = hints[f.name]
        if f.name in _TRAINING_CHOICES:
            field = _TRAINING_CHOICES[f.name]
        elif hint is int:
            field = json_int(**bounds)
        elif set(typing.get_args(hint)) == {int, type(None)}:
            field = json_int(**bounds) | None
        else:
            field = Annotated[hint, Field(**bounds)]
        fields[f.name] = (field, None)
    return create_model(
        "TrainingSpec",
        __base__=Strict,
        __doc__="Training preset and overrides of its TrainConfig fields.",
        **fields,
    )


TrainingSpec = _training_model()


# Fields that take one of two shapes are discriminated by the shape sent, so a bad value is
# reported against the alternative the client chose, never "should be a valid list" for a range.
# The tags below appear in pydantic's error locations; api.main strips them (UNION_TAGS).
UNION_FIELDS = frozenset({"betas", "seeds"})
UNION_TAGS = frozenset({"list", "range", "count"})


def _betas_shape(value: Any) -> str | None:
    if isinstance(value, list):
        return "list"
    return "range" if isinstance(value, dict | BetaRange) else None


def _seeds_shape(value: Any) -> str | None:
    if isinstance(value, list):
        return "list"
    return "count" if isinstance(value, int | float) and not isinstance(value, bool) else None


Betas = Annotated[
    Annotated[
        Annotated[
            list[Beta],
            Field(min_length=1, max_length=MAX_BETAS, json_schema_extra={"uniqueItems": True}),
        ],
        Tag("list"),
    ]
    | Annotated[BetaRange, Tag("range")],
    Discriminator(
        _betas_shape,
        custom_error_type="betas_shape",
        custom_error_message="betas must be a list of numbers or a range {start, stop, step}",
    ),
]
Seeds = Annotated[
    Annotated[SeedCount, Tag("count")]
    | Annotated[
        Annotated[
            list[Seed], Field(min_length=1, max_length=100, json_schema_extra={"uniqueItems": True})
        ],
        Tag("list"),
    ],
    Discriminator(
        _seeds_shape,
        custom_error_type="seeds_shape",
        custom_error_message="seeds must be a count n (seeds 0..n-1) or a list of seeds",
    ),
]


def _metrics_field(dataset: str) -> Any:
    return Field(
        default_factory=lambda: list(DEFAULT_METRICS[dataset]),
        min_length=1,
        max_length=len(METRICS),
        json_schema_extra={"uniqueItems": True},
        description="metric groups",
    )


class _ExperimentCreate(Strict):
    """The fields every grid has: model types x betas x seeds, and the training."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    model_types: Annotated[
        list[ModelType],
        Field(min_length=1, max_length=len(MODEL_TYPES), json_schema_extra={"uniqueItems": True}),
    ]
    betas: Betas = Field(description="explicit betas, or an inclusive range {start, stop, step}")
    seeds: Seeds = Field(description="a count n (seeds 0..n-1) or an explicit list of seeds")
    training: TrainingSpec = Field(default_factory=TrainingSpec)  # type: ignore[valid-type]
    DATASET: ClassVar[str]

    @field_validator("model_types")
    @classmethod
    def _unique_models(cls, value: list[str]) -> list[str]:
        return _unique(value, "model type")

    @field_validator("betas")
    @classmethod
    def _unique_betas(cls, value: list[float] | BetaRange) -> list[float] | BetaRange:
        return _unique(value, "beta") if isinstance(value, list) else value

    @field_validator("seeds")
    @classmethod
    def _unique_seeds(cls, value: int | list[int]) -> int | list[int]:
        return _unique(value, "seed") if isinstance(value, list) else value

    @field_validator("metrics", mode="before", check_fields=False)
    @classmethod
    def _metrics_apply(cls, value: Any) -> Any:
        """Name the dataset when a metric does not apply to it (before the enum's own message)."""
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            validate_metrics(cls.DATASET, value)
            return _unique(value, "metric")
        return value


class ShapesExperimentCreate(_ExperimentCreate):
    """A grid on shapes: model types x betas x seeds."""

    DATASET: ClassVar[str] = "shapes"
    dataset: Literal["shapes"]
    label_fractions: None = Field(default=None, description="MNIST only; absent or null here")
    metrics: list[ShapesMetric] = _metrics_field("shapes")  # type: ignore[valid-type]

    @field_validator("label_fractions", mode="before")
    @classmethod
    def _mnist_only(cls, value: Any) -> None:
        if value is not None:
            raise ValueError("label_fractions apply only to the mnist dataset")
        return None


class MnistExperimentCreate(_ExperimentCreate):
    """A grid on MNIST: model types x betas x seeds x label fractions of the probes."""

    DATASET: ClassVar[str] = "mnist"
    dataset: Literal["mnist"]
    label_fractions: Annotated[
        list[LabelFraction],
        Field(min_length=1, max_length=20, json_schema_extra={"uniqueItems": True}),
    ] = Field(default_factory=lambda: [1.0], description="fractions of labels for the probes")
    metrics: list[MnistMetric] = _metrics_field("mnist")  # type: ignore[valid-type]

    @field_validator("label_fractions")
    @classmethod
    def _unique_fractions(cls, value: list[float]) -> list[float]:
        return _unique(value, "label fraction")


# The body of POST /experiments: one shape per dataset, chosen by `dataset` (an OpenAPI
# discriminator), so each dataset's metrics and fields are a closed set in the spec.
ExperimentCreate = Annotated[
    ShapesExperimentCreate | MnistExperimentCreate, Field(discriminator="dataset")
]
ExperimentBody = ShapesExperimentCreate | MnistExperimentCreate
EXPERIMENT_CREATE: TypeAdapter[ExperimentBody] = TypeAdapter(ExperimentCreate)  # type: ignore[arg-type]
DATASET_TAGS = frozenset(typing.get_args(Dataset))


class ExperimentLinks(BaseModel):
    self: str
    runs: str
    curve: str
    csv: str


class ExperimentCreated(BaseModel):
    """The new experiment's id, its number of runs and where to follow it."""

    id: str
    run_count: int
    links: ExperimentLinks


class RunCounts(BaseModel):
    queued: int = 0
    running: int = 0
    evaluating: int = 0
    completed: int = 0
    failed: int = 0
    cancelled: int = 0


class ExperimentPublic(Public):
    """An experiment with its run counts by state, progress (0..1) and ETA in seconds."""

    id: str
    name: str
    dataset: str
    status: ExperimentStatus
    run_count: int
    cancel_requested: bool
    created_at: UtcDatetime
    updated_at: UtcDatetime
    finished_at: UtcDatetime | None
    counts: RunCounts
    progress: float
    eta_seconds: float | None


class ExperimentsPublic(BaseModel):
    data: list[ExperimentPublic]
    count: int


class ExperimentDetail(ExperimentPublic):
    """An experiment with its specification, run counts, progress (0..1) and ETA in seconds."""

    spec: dict[str, Any]
    links: ExperimentLinks


class RunPublic(Public):
    id: str
    experiment_id: str
    grid_index: int
    model_type: str
    beta: float
    seed: int
    label_fraction: float | None
    status: RunStatus
    attempts: int
    epochs_done: int
    best_epoch: int | None
    current_loss: float | None
    failure_reason: str | None
    precision: str | None = Field(
        description="what training ran in: fp32 or bf16 (autocast); null until it finishes"
    )
    compute_seconds: float
    enqueued_at: UtcDatetime | None
    started_at: UtcDatetime | None
    heartbeat_at: UtcDatetime | None
    finished_at: UtcDatetime | None


class RunSummary(RunPublic):
    """A run as listed: its row and its result values by key ({} until it is evaluated)."""

    metrics: dict[str, float]


class RunsPublic(BaseModel):
    data: list[RunSummary]
    count: int


class RunEpochPublic(Public):
    """One finished epoch. Costs are batch means in nats per image; the loss is recon + β·KL."""

    epoch: int = Field(description="the epoch's number, from 1")
    train_loss: float = Field(description="training loss")
    val_loss: float = Field(description="validation loss: early stopping keeps its minimum")
    recon: float = Field(description="training reconstruction cost")
    kl: float = Field(description="training KL divergence from the prior")
    val_recon: float = Field(description="validation reconstruction cost")
    val_kl: float = Field(description="validation KL divergence")
    images_per_s: float = Field(description="training images per second of training steps")
    seconds: float = Field(description="wall time of the epoch, validation included")


class RunDetail(RunPublic):
    """A run with its configuration, epoch history, metric values and picture links."""

    dataset: str
    config: dict[str, Any]
    epochs: list[RunEpochPublic]
    metrics: dict[str, float | None]
    images: dict[str, str]


class CurvePoint(BaseModel):
    model_type: str
    label_fraction: float | None
    beta: float
    mean: float | None
    std: float | None
    n: int
    ci_low: float | None
    ci_high: float | None
    values: list[float]
    n_excluded: int = 0


class CurveTrend(BaseModel):
    model_type: str
    label_fraction: float | None
    spearman_rho: float | None
    p_value: float | None


class CurvePublic(BaseModel):
    """Mean, spread and bootstrap CI of one metric per beta, with a Spearman trend per curve."""

    experiment_id: str
    metric: str
    points: list[CurvePoint]
    trend: list[CurveTrend]


class TradeoffPoint(BaseModel):
    run_id: str
    objective: str
    model_type: str
    label_fraction: float | None
    strength: float = Field(description="the objective's strength: β for β-VAE")
    seed: int
    x: float
    y: float


class TradeoffMean(BaseModel):
    strength: float
    x_mean: float
    x_std: float | None = Field(description="sample standard deviation; null for one run")
    y_mean: float
    y_std: float | None = Field(description="sample standard deviation; null for one run")
    n: int


class TradeoffSeries(BaseModel):
    objective: str
    model_type: str
    label_fraction: float | None
    means: list[TradeoffMean] = Field(description="one per strength, in increasing order")


class TradeoffPublic(BaseModel):
    """Result `y` against result `x`: a point per completed run and, per (objective, model type,
    label fraction), a mean per strength joined in order of strength: what each method pays in
    `x` (e.g. reconstruction) for its `y` (e.g. disentanglement)."""

    experiment_id: str
    x: str
    y: str
    strength_name: str = Field(description="what the strength axis is, e.g. beta")
    points: list[TradeoffPoint]
    series: list[TradeoffSeries]


class FindingPublic(BaseModel):
    id: str = Field(description="F1, F2a-F2c (shapes) or F3a-F3d (MNIST), as in the paper")
    claim: str
    verdict: Literal["reproduced", "not reproduced", "inconclusive"] = Field(
        description="inconclusive: too few runs for the test to decide either way"
    )
    reason: str = Field(description="the test and its outcome in words")
    model_type: str | None
    label_fraction: float | None
    numbers: dict[str, float | int | str | None] = Field(
        description="the statistics behind the verdict (see vae_core/analysis/findings.py)"
    )


class FindingsPublic(BaseModel):
    """The paper's findings tested on an experiment's completed runs."""

    experiment_id: str
    dataset: str
    metric: str = Field(description="the result key the findings are about")
    alpha: float = Field(description="significance level of every test")
    findings: list[FindingPublic]


class CatalogMetric(BaseModel):
    name: str = Field(description="what `metrics` in a POST /experiments body takes")
    datasets: list[Dataset]
    keys: list[ResultKey] = Field(description="the result keys it yields (curve `metric`)")
    description: str


class CatalogDataset(BaseModel):
    name: Dataset
    description: str
    image_shape: list[int]
    latent_dim: int
    metrics: list[str] = Field(description="the metric groups that apply, in catalog order")
    default_metrics: list[str] = Field(description="what an experiment gets without `metrics`")
    label_fractions: bool = Field(description="whether `label_fractions` applies")


class CatalogPreset(BaseModel):
    name: Preset  # type: ignore[valid-type]
    fields: dict[str, float | int | str | bool | None] = Field(
        description="the preset's training configuration, field by field"
    )


class CatalogObjective(BaseModel):
    name: str = Field(description="what `training.objective` takes")
    strength: str = Field(description="what the grid's betas are for it, e.g. beta or gamma")
    parameters: dict[str, float] = Field(
        description="its own training fields, with the values they take when not set"
    )
    trainable: bool = Field(description="false: the API refuses it for now")


class Catalog(BaseModel):
    """What a grid may be made of: the closed sets the API validates against."""

    datasets: list[CatalogDataset]
    model_types: list[ModelType]
    metrics: list[CatalogMetric]
    presets: list[CatalogPreset]
    objectives: list[CatalogObjective]


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: str
    broker: str


class HTTPError(BaseModel):
    """The body of every error but a validation error (422): what went wrong, in one sentence."""

    detail: str


class QuotaError(HTTPError):
    """429: the experiment would take its key past the runs it may have unfinished at once."""

    active: int = Field(description="the key's runs queued or in progress now")
    requested: int = Field(description="runs the refused experiment would have added")
    limit: int = Field(description="max_active_runs_per_key")
