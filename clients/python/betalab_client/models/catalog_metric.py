from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.catalog_metric_datasets_item import CatalogMetricDatasetsItem
from ..models.result_key import ResultKey

T = TypeVar("T", bound="CatalogMetric")


@_attrs_define
class CatalogMetric:
    """
    Attributes:
        datasets (list[CatalogMetricDatasetsItem]):
        description (str):
        keys (list[ResultKey]): the result keys it yields (curve `metric`)
        name (str): what `metrics` in a POST /experiments body takes
    """

    datasets: list[CatalogMetricDatasetsItem]
    description: str
    keys: list[ResultKey]
    name: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        datasets = []
        for datasets_item_data in self.datasets:
            datasets_item = datasets_item_data.value
            datasets.append(datasets_item)

        description = self.description

        keys = []
        for keys_item_data in self.keys:
            keys_item = keys_item_data.value
            keys.append(keys_item)

        name = self.name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "datasets": datasets,
                "description": description,
                "keys": keys,
                "name": name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        datasets = []
        _datasets = d.pop("datasets")
        for datasets_item_data in _datasets:
            datasets_item = CatalogMetricDatasetsItem(datasets_item_data)

            datasets.append(datasets_item)

        description = d.pop("description")

        keys = []
        _keys = d.pop("keys")
        for keys_item_data in _keys:
            keys_item = ResultKey(keys_item_data)

            keys.append(keys_item)

        name = d.pop("name")

        catalog_metric = cls(
            datasets=datasets,
            description=description,
            keys=keys,
            name=name,
        )

        catalog_metric.additional_properties = d
        return catalog_metric

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
