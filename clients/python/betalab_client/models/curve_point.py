from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CurvePoint")


@_attrs_define
class CurvePoint:
    """
    Attributes:
        beta (float):
        ci_high (float | None):
        ci_low (float | None):
        label_fraction (float | None):
        mean (float | None):
        model_type (str):
        n (int):
        std (float | None):
        values (list[float]):
        n_excluded (int | Unset):  Default: 0.
    """

    beta: float
    ci_high: float | None
    ci_low: float | None
    label_fraction: float | None
    mean: float | None
    model_type: str
    n: int
    std: float | None
    values: list[float]
    n_excluded: int | Unset = 0
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        beta = self.beta

        ci_high: float | None
        ci_high = self.ci_high

        ci_low: float | None
        ci_low = self.ci_low

        label_fraction: float | None
        label_fraction = self.label_fraction

        mean: float | None
        mean = self.mean

        model_type = self.model_type

        n = self.n

        std: float | None
        std = self.std

        values = self.values

        n_excluded = self.n_excluded

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "beta": beta,
                "ci_high": ci_high,
                "ci_low": ci_low,
                "label_fraction": label_fraction,
                "mean": mean,
                "model_type": model_type,
                "n": n,
                "std": std,
                "values": values,
            }
        )
        if n_excluded is not UNSET:
            field_dict["n_excluded"] = n_excluded

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        beta = d.pop("beta")

        def _parse_ci_high(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        ci_high = _parse_ci_high(d.pop("ci_high"))

        def _parse_ci_low(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        ci_low = _parse_ci_low(d.pop("ci_low"))

        def _parse_label_fraction(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        label_fraction = _parse_label_fraction(d.pop("label_fraction"))

        def _parse_mean(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        mean = _parse_mean(d.pop("mean"))

        model_type = d.pop("model_type")

        n = d.pop("n")

        def _parse_std(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        std = _parse_std(d.pop("std"))

        values = cast(list[float], d.pop("values"))

        n_excluded = d.pop("n_excluded", UNSET)

        curve_point = cls(
            beta=beta,
            ci_high=ci_high,
            ci_low=ci_low,
            label_fraction=label_fraction,
            mean=mean,
            model_type=model_type,
            n=n,
            std=std,
            values=values,
            n_excluded=n_excluded,
        )

        curve_point.additional_properties = d
        return curve_point

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
