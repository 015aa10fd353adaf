from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.catalog_objective_parameters import CatalogObjectiveParameters


T = TypeVar("T", bound="CatalogObjective")


@_attrs_define
class CatalogObjective:
    """
    Attributes:
        name (str): what `training.objective` takes
        parameters (CatalogObjectiveParameters): its own training fields, with the values they take when not set
        strength (str): what the grid's betas are for it, e.g. beta or gamma
        trainable (bool): false: the API refuses it for now
    """

    name: str
    parameters: CatalogObjectiveParameters
    strength: str
    trainable: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        parameters = self.parameters.to_dict()

        strength = self.strength

        trainable = self.trainable

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "parameters": parameters,
                "strength": strength,
                "trainable": trainable,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.catalog_objective_parameters import CatalogObjectiveParameters  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        parameters = CatalogObjectiveParameters.from_dict(d.pop("parameters"))

        strength = d.pop("strength")

        trainable = d.pop("trainable")

        catalog_objective = cls(
            name=name,
            parameters=parameters,
            strength=strength,
            trainable=trainable,
        )

        catalog_objective.additional_properties = d
        return catalog_objective

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
