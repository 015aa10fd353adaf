from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.tradeoff_mean import TradeoffMean


T = TypeVar("T", bound="TradeoffSeries")


@_attrs_define
class TradeoffSeries:
    """
    Attributes:
        label_fraction (float | None):
        means (list[TradeoffMean]): one per strength, in increasing order
        model_type (str):
        objective (str):
    """

    label_fraction: float | None
    means: list[TradeoffMean]
    model_type: str
    objective: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        label_fraction: float | None
        label_fraction = self.label_fraction

        means = []
        for means_item_data in self.means:
            means_item = means_item_data.to_dict()
            means.append(means_item)

        model_type = self.model_type

        objective = self.objective

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "label_fraction": label_fraction,
                "means": means,
                "model_type": model_type,
                "objective": objective,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.tradeoff_mean import TradeoffMean  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_label_fraction(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        label_fraction = _parse_label_fraction(d.pop("label_fraction"))

        means = []
        _means = d.pop("means")
        for means_item_data in _means:
            means_item = TradeoffMean.from_dict(means_item_data)

            means.append(means_item)

        model_type = d.pop("model_type")

        objective = d.pop("objective")

        tradeoff_series = cls(
            label_fraction=label_fraction,
            means=means,
            model_type=model_type,
            objective=objective,
        )

        tradeoff_series.additional_properties = d
        return tradeoff_series

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
