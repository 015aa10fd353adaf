from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ExperimentLinks")


@_attrs_define
class ExperimentLinks:
    """
    Attributes:
        csv (str):
        curve (str):
        runs (str):
        self_ (str):
    """

    csv: str
    curve: str
    runs: str
    self_: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        csv = self.csv

        curve = self.curve

        runs = self.runs

        self_ = self.self_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "csv": csv,
                "curve": curve,
                "runs": runs,
                "self": self_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        csv = d.pop("csv")

        curve = d.pop("curve")

        runs = d.pop("runs")

        self_ = d.pop("self")

        experiment_links = cls(
            csv=csv,
            curve=curve,
            runs=runs,
            self_=self_,
        )

        experiment_links.additional_properties = d
        return experiment_links

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
