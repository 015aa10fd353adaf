from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TradeoffPoint")


@_attrs_define
class TradeoffPoint:
    """
    Attributes:
        label_fraction (float | None):
        model_type (str):
        objective (str):
        run_id (str):
        seed (int):
        strength (float): the objective's strength: β for β-VAE
        x (float):
        y (float):
    """

    label_fraction: float | None
    model_type: str
    objective: str
    run_id: str
    seed: int
    strength: float
    x: float
    y: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        label_fraction: float | None
        label_fraction = self.label_fraction

        model_type = self.model_type

        objective = self.objective

        run_id = self.run_id

        seed = self.seed

        strength = self.strength

        x = self.x

        y = self.y

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "label_fraction": label_fraction,
                "model_type": model_type,
                "objective": objective,
                "run_id": run_id,
                "seed": seed,
                "strength": strength,
                "x": x,
                "y": y,
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

        objective = d.pop("objective")

        run_id = d.pop("run_id")

        seed = d.pop("seed")

        strength = d.pop("strength")

        x = d.pop("x")

        y = d.pop("y")

        tradeoff_point = cls(
            label_fraction=label_fraction,
            model_type=model_type,
            objective=objective,
            run_id=run_id,
            seed=seed,
            strength=strength,
            x=x,
            y=y,
        )

        tradeoff_point.additional_properties = d
        return tradeoff_point

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
