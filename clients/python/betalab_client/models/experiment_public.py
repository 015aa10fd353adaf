from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.experiment_status import ExperimentStatus

if TYPE_CHECKING:
    from ..models.run_counts import RunCounts


T = TypeVar("T", bound="ExperimentPublic")


@_attrs_define
class ExperimentPublic:
    """An experiment with its run counts by state, progress (0..1) and ETA in seconds.

    Attributes:
        cancel_requested (bool):
        counts (RunCounts):
        created_at (datetime.datetime):
        dataset (str):
        eta_seconds (float | None):
        finished_at (datetime.datetime | None):
        id (str):
        name (str):
        progress (float):
        run_count (int):
        status (ExperimentStatus):
        updated_at (datetime.datetime):
    """

    cancel_requested: bool
    counts: RunCounts
    created_at: datetime.datetime
    dataset: str
    eta_seconds: float | None
    finished_at: datetime.datetime | None
    id: str
    name: str
    progress: float
    run_count: int
    status: ExperimentStatus
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cancel_requested = self.cancel_requested

        counts = self.counts.to_dict()

        created_at = self.created_at.isoformat()

        dataset = self.dataset

        eta_seconds: float | None
        eta_seconds = self.eta_seconds

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        id = self.id

        name = self.name

        progress = self.progress

        run_count = self.run_count

        status = self.status.value

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cancel_requested": cancel_requested,
                "counts": counts,
                "created_at": created_at,
                "dataset": dataset,
                "eta_seconds": eta_seconds,
                "finished_at": finished_at,
                "id": id,
                "name": name,
                "progress": progress,
                "run_count": run_count,
                "status": status,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.run_counts import RunCounts  # noqa: PLC0415

        d = dict(src_dict)
        cancel_requested = d.pop("cancel_requested")

        counts = RunCounts.from_dict(d.pop("counts"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        dataset = d.pop("dataset")

        def _parse_eta_seconds(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        eta_seconds = _parse_eta_seconds(d.pop("eta_seconds"))

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

        id = d.pop("id")

        name = d.pop("name")

        progress = d.pop("progress")

        run_count = d.pop("run_count")

        status = ExperimentStatus(d.pop("status"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        experiment_public = cls(
            cancel_requested=cancel_requested,
            counts=counts,
            created_at=created_at,
            dataset=dataset,
            eta_seconds=eta_seconds,
            finished_at=finished_at,
            id=id,
            name=name,
            progress=progress,
            run_count=run_count,
            status=status,
            updated_at=updated_at,
        )

        experiment_public.additional_properties = d
        return experiment_public

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
