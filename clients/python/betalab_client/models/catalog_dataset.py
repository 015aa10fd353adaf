from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.catalog_dataset_name import CatalogDatasetName

T = TypeVar("T", bound="CatalogDataset")


@_attrs_define
class CatalogDataset:
    """
    Attributes:
        default_metrics (list[str]): what an experiment gets without `metrics`
        description (str):
        image_shape (list[int]):
        label_fractions (bool): whether `label_fractions` applies
        latent_dim (int):
        metrics (list[str]): the metric groups that apply, in catalog order
        name (CatalogDatasetName):
    """

    default_metrics: list[str]
    description: str
    image_shape: list[int]
    label_fractions: bool
    latent_dim: int
    metrics: list[str]
    name: CatalogDatasetName
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        default_metrics = self.default_metrics

        description = self.description

        image_shape = self.image_shape

        label_fractions = self.label_fractions

        latent_dim = self.latent_dim

        metrics = self.metrics

        name = self.name.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "default_metrics": default_metrics,
                "description": description,
                "image_shape": image_shape,
                "label_fractions": label_fractions,
                "latent_dim": latent_dim,
                "metrics": metrics,
                "name": name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        default_metrics = cast(list[str], d.pop("default_metrics"))

        description = d.pop("description")

        image_shape = cast(list[int], d.pop("image_shape"))

        label_fractions = d.pop("label_fractions")

        latent_dim = d.pop("latent_dim")

        metrics = cast(list[str], d.pop("metrics"))

        name = CatalogDatasetName(d.pop("name"))

        catalog_dataset = cls(
            default_metrics=default_metrics,
            description=description,
            image_shape=image_shape,
            label_fractions=label_fractions,
            latent_dim=latent_dim,
            metrics=metrics,
            name=name,
        )

        catalog_dataset.additional_properties = d
        return catalog_dataset

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
