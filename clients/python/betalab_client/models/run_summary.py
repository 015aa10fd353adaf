from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.run_status import RunStatus

if TYPE_CHECKING:
    from ..models.run_summary_metrics import RunSummaryMetrics


T = TypeVar("T", bound="RunSummary")


@_attrs_define
class RunSummary:
    """A run as listed: its row and its result values by key ({} until it is evaluated).

    Attributes:
        attempts (int):
        best_epoch (int | None):
        beta (float):
        compute_seconds (float):
        current_loss (float | None):
        enqueued_at (datetime.datetime | None):
        epochs_done (int):
        experiment_id (str):
        failure_reason (None | str):
        finished_at (datetime.datetime | None):
        grid_index (int):
        heartbeat_at (datetime.datetime | None):
        id (str):
        label_fraction (float | None):
        metrics (RunSummaryMetrics):
        model_type (str):
        precision (None | str): what training ran in: fp32 or bf16 (autocast); null until it finishes
        seed (int):
        started_at (datetime.datetime | None):
        status (RunStatus): Life cycle of one grid cell. Terminal: completed, failed, cancelled.
    """

    attempts: int
    best_epoch: int | None
    beta: float
    compute_seconds: float
    current_loss: float | None
    enqueued_at: datetime.datetime | None
    epochs_done: int
    experiment_id: str
    failure_reason: None | str
    finished_at: datetime.datetime | None
    grid_index: int
    heartbeat_at: datetime.datetime | None
    id: str
    label_fraction: float | None
    metrics: RunSummaryMetrics
    model_type: str
    precision: None | str
    seed: int
    started_at: datetime.datetime | None
    status: RunStatus
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempts = self.attempts

        best_epoch: int | None
        best_epoch = self.best_epoch

        beta = self.beta

        compute_seconds = self.compute_seconds

        current_loss: float | None
        current_loss = self.current_loss

        enqueued_at: None | str
        if isinstance(self.enqueued_at, datetime.datetime):
            enqueued_at = self.enqueued_at.isoformat()
        else:
            enqueued_at = self.enqueued_at

        epochs_done = self.epochs_done

        experiment_id = self.experiment_id

        failure_reason: None | str
        failure_reason = self.failure_reason

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        grid_index = self.grid_index

        heartbeat_at: None | str
        if isinstance(self.heartbeat_at, datetime.datetime):
            heartbeat_at = self.heartbeat_at.isoformat()
        else:
            heartbeat_at = self.heartbeat_at

        id = self.id

        label_fraction: float | None
        label_fraction = self.label_fraction

        metrics = self.metrics.to_dict()

        model_type = self.model_type

        precision: None | str
        precision = self.precision

        seed = self.seed

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        status = self.status.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempts": attempts,
                "best_epoch": best_epoch,
                "beta": beta,
                "compute_seconds": compute_seconds,
                "current_loss": current_loss,
                "enqueued_at": enqueued_at,
                "epochs_done": epochs_done,
                "experiment_id": experiment_id,
                "failure_reason": failure_reason,
                "finished_at": finished_at,
                "grid_index": grid_index,
                "heartbeat_at": heartbeat_at,
                "id": id,
                "label_fraction": label_fraction,
                "metrics": metrics,
                "model_type": model_type,
                "precision": precision,
                "seed": seed,
                "started_at": started_at,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.run_summary_metrics import RunSummaryMetrics  # noqa: PLC0415

        d = dict(src_dict)
        attempts = d.pop("attempts")

        def _parse_best_epoch(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        best_epoch = _parse_best_epoch(d.pop("best_epoch"))

        beta = d.pop("beta")

        compute_seconds = d.pop("compute_seconds")

        def _parse_current_loss(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        current_loss = _parse_current_loss(d.pop("current_loss"))

        def _parse_enqueued_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                enqueued_at_type_0 = datetime.datetime.fromisoformat(data)

                return enqueued_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        enqueued_at = _parse_enqueued_at(d.pop("enqueued_at"))

        epochs_done = d.pop("epochs_done")

        experiment_id = d.pop("experiment_id")

        def _parse_failure_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        failure_reason = _parse_failure_reason(d.pop("failure_reason"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        grid_index = d.pop("grid_index")

        def _parse_heartbeat_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                heartbeat_at_type_0 = datetime.datetime.fromisoformat(data)

                return heartbeat_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        heartbeat_at = _parse_heartbeat_at(d.pop("heartbeat_at"))

        id = d.pop("id")

        def _parse_label_fraction(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        label_fraction = _parse_label_fraction(d.pop("label_fraction"))

        metrics = RunSummaryMetrics.from_dict(d.pop("metrics"))

        model_type = d.pop("model_type")

        def _parse_precision(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        precision = _parse_precision(d.pop("precision"))

        seed = d.pop("seed")

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))

        status = RunStatus(d.pop("status"))

        run_summary = cls(
            attempts=attempts,
            best_epoch=best_epoch,
            beta=beta,
            compute_seconds=compute_seconds,
            current_loss=current_loss,
            enqueued_at=enqueued_at,
            epochs_done=epochs_done,
            experiment_id=experiment_id,
            failure_reason=failure_reason,
            finished_at=finished_at,
            grid_index=grid_index,
            heartbeat_at=heartbeat_at,
            id=id,
            label_fraction=label_fraction,
            metrics=metrics,
            model_type=model_type,
            precision=precision,
            seed=seed,
            started_at=started_at,
            status=status,
        )

        run_summary.additional_properties = d
        return run_summary

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
