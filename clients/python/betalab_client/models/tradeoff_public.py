from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.tradeoff_point import TradeoffPoint
    from ..models.tradeoff_series import TradeoffSeries


T = TypeVar("T", bound="TradeoffPublic")


@_attrs_define
class TradeoffPublic:
    """Result `y` against result `x`: a point per completed run and, per (objective, model type,
    label fraction), a mean per strength joined in order of strength: what each method pays in
    `x` (e.g. reconstruction) for its `y` (e.g. disentanglement).

        Attributes:
            experiment_id (str):
            points (list[TradeoffPoint]):
            series (list[TradeoffSeries]):
            strength_name (str): what the strength axis is, e.g. beta
            x (str):
            y (str):
    """

    experiment_id: str
    points: list[TradeoffPoint]
    series: list[TradeoffSeries]
    strength_name: str
    x: str
    y: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        experiment_id = self.experiment_id

        points = []
        for points_item_data in self.points:
            points_item = points_item_data.to_dict()
            points.append(points_item)

        series = []
        for series_item_data in self.series:
            series_item = series_item_data.to_dict()
            series.append(series_item)

        strength_name = self.strength_name

        x = self.x

        y = self.y

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "experiment_id": experiment_id,
                "points": points,
                "series": series,
                "strength_name": strength_name,
                "x": x,
                "y": y,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.tradeoff_point import TradeoffPoint  # noqa: PLC0415
        from ..models.tradeoff_series import TradeoffSeries  # noqa: PLC0415

        d = dict(src_dict)
        experiment_id = d.pop("experiment_id")

        points = []
        _points = d.pop("points")
        for points_item_data in _points:
            points_item = TradeoffPoint.from_dict(points_item_data)

            points.append(points_item)

        series = []
        _series = d.pop("series")
        for series_item_data in _series:
            series_item = TradeoffSeries.from_dict(series_item_data)

            series.append(series_item)

        strength_name = d.pop("strength_name")

        x = d.pop("x")

        y = d.pop("y")

        tradeoff_public = cls(
            experiment_id=experiment_id,
            points=points,
            series=series,
            strength_name=strength_name,
            x=x,
            y=y,
        )

        tradeoff_public.additional_properties = d
        return tradeoff_public

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
