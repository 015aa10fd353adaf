from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TradeoffMean")


@_attrs_define
class TradeoffMean:
    """
    Attributes:
        n (int):
        strength (float):
        x_mean (float):
        x_std (float | None): sample standard deviation; null for one run
        y_mean (float):
        y_std (float | None): sample standard deviation; null for one run
    """

    n: int
    strength: float
    x_mean: float
    x_std: float | None
    y_mean: float
    y_std: float | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        n = self.n

        strength = self.strength

        x_mean = self.x_mean

        x_std: float | None
        x_std = self.x_std

        y_mean = self.y_mean

        y_std: float | None
        y_std = self.y_std

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "n": n,
                "strength": strength,
                "x_mean": x_mean,
                "x_std": x_std,
                "y_mean": y_mean,
                "y_std": y_std,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        n = d.pop("n")

        strength = d.pop("strength")

        x_mean = d.pop("x_mean")

        def _parse_x_std(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        x_std = _parse_x_std(d.pop("x_std"))

        y_mean = d.pop("y_mean")

        def _parse_y_std(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        y_std = _parse_y_std(d.pop("y_std"))

        tradeoff_mean = cls(
            n=n,
            strength=strength,
            x_mean=x_mean,
            x_std=x_std,
            y_mean=y_mean,
            y_std=y_std,
        )

        tradeoff_mean.additional_properties = d
        return tradeoff_mean

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
