from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CurveTrend")


@_attrs_define
class CurveTrend:
    """
    Attributes:
        label_fraction (float | None):
        model_type (str):
        p_value (float | None):
        spearman_rho (float | None):
    """

    label_fraction: float | None
    model_type: str
    p_value: float | None
    spearman_rho: float | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        label_fraction: float | None
        label_fraction = self.label_fraction

        model_type = self.model_type

        p_value: float | None
        p_value = self.p_value

        spearman_rho: float | None
        spearman_rho = self.spearman_rho

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "label_fraction": label_fraction,
                "model_type": model_type,
                "p_value": p_value,
                "spearman_rho": spearman_rho,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_label_fraction(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        label_fraction = _parse_label_fraction(d.pop("label_fraction"))

        model_type = d.pop("model_type")

        def _parse_p_value(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        p_value = _parse_p_value(d.pop("p_value"))

        def _parse_spearman_rho(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        spearman_rho = _parse_spearman_rho(d.pop("spearman_rho"))

        curve_trend = cls(
            label_fraction=label_fraction,
            model_type=model_type,
            p_value=p_value,
            spearman_rho=spearman_rho,
        )

        curve_trend.additional_properties = d
        return curve_trend

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
