from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.experiment_links import ExperimentLinks


T = TypeVar("T", bound="ExperimentCreated")


@_attrs_define
class ExperimentCreated:
    """The new experiment's id, its number of runs and where to follow it.

    Attributes:
        id (str):
        links (ExperimentLinks):
        run_count (int):
    """

    id: str
    links: ExperimentLinks
    run_count: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        links = self.links.to_dict()

        run_count = self.run_count

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "links": links,
                "run_count": run_count,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.experiment_links import ExperimentLinks  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        links = ExperimentLinks.from_dict(d.pop("links"))

        run_count = d.pop("run_count")

        experiment_created = cls(
            id=id,
            links=links,
            run_count=run_count,
        )

        experiment_created.additional_properties = d
        return experiment_created

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
