from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.curve_point import CurvePoint
    from ..models.curve_trend import CurveTrend


T = TypeVar("T", bound="CurvePublic")


@_attrs_define
class CurvePublic:
    """Mean, spread and bootstrap CI of one metric per beta, with a Spearman trend per curve.

    Attributes:
        experiment_id (str):
        metric (str):
        points (list[CurvePoint]):
        trend (list[CurveTrend]):
    """

    experiment_id: str
    metric: str
    points: list[CurvePoint]
    trend: list[CurveTrend]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        experiment_id = self.experiment_id

        metric = self.metric

        points = []
        for points_item_data in self.points:
            points_item = points_item_data.to_dict()
            points.append(points_item)

        trend = []
        for trend_item_data in self.trend:
            trend_item = trend_item_data.to_dict()
            trend.append(trend_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "experiment_id": experiment_id,
                "metric": metric,
                "points": points,
                "trend": trend,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.curve_point import CurvePoint  # noqa: PLC0415
        from ..models.curve_trend import CurveTrend  # noqa: PLC0415

        d = dict(src_dict)
        experiment_id = d.pop("experiment_id")

        metric = d.pop("metric")

        points = []
        _points = d.pop("points")
        for points_item_data in _points:
            points_item = CurvePoint.from_dict(points_item_data)

            points.append(points_item)

        trend = []
        _trend = d.pop("trend")
        for trend_item_data in _trend:
            trend_item = CurveTrend.from_dict(trend_item_data)

            trend.append(trend_item)

        curve_public = cls(
            experiment_id=experiment_id,
            metric=metric,
            points=points,
            trend=trend,
        )

        curve_public.additional_properties = d
        return curve_public

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
