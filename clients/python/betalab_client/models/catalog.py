from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.catalog_model_types_item import CatalogModelTypesItem

if TYPE_CHECKING:
    from ..models.catalog_dataset import CatalogDataset
    from ..models.catalog_metric import CatalogMetric
    from ..models.catalog_objective import CatalogObjective
    from ..models.catalog_preset import CatalogPreset


T = TypeVar("T", bound="Catalog")


@_attrs_define
class Catalog:
    """What a grid may be made of: the closed sets the API validates against.

    Attributes:
        datasets (list[CatalogDataset]):
        metrics (list[CatalogMetric]):
        model_types (list[CatalogModelTypesItem]):
        objectives (list[CatalogObjective]):
        presets (list[CatalogPreset]):
    """

    datasets: list[CatalogDataset]
    metrics: list[CatalogMetric]
    model_types: list[CatalogModelTypesItem]
    objectives: list[CatalogObjective]
    presets: list[CatalogPreset]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        datasets = []
        for datasets_item_data in self.datasets:
            datasets_item = datasets_item_data.to_dict()
            datasets.append(datasets_item)

        metrics = []
        for metrics_item_data in self.metrics:
            metrics_item = metrics_item_data.to_dict()
            metrics.append(metrics_item)

        model_types = []
        for model_types_item_data in self.model_types:
            model_types_item = model_types_item_data.value
            model_types.append(model_types_item)

        objectives = []
        for objectives_item_data in self.objectives:
            objectives_item = objectives_item_data.to_dict()
            objectives.append(objectives_item)

        presets = []
        for presets_item_data in self.presets:
            presets_item = presets_item_data.to_dict()
            presets.append(presets_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "datasets": datasets,
                "metrics": metrics,
                "model_types": model_types,
                "objectives": objectives,
                "presets": presets,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.catalog_dataset import CatalogDataset  # noqa: PLC0415
        from ..models.catalog_metric import CatalogMetric  # noqa: PLC0415
        from ..models.catalog_objective import CatalogObjective  # noqa: PLC0415
        from ..models.catalog_preset import CatalogPreset  # noqa: PLC0415

        d = dict(src_dict)
        datasets = []
        _datasets = d.pop("datasets")
        for datasets_item_data in _datasets:
            datasets_item = CatalogDataset.from_dict(datasets_item_data)

            datasets.append(datasets_item)

        metrics = []
        _metrics = d.pop("metrics")
        for metrics_item_data in _metrics:
            metrics_item = CatalogMetric.from_dict(metrics_item_data)

            metrics.append(metrics_item)

        model_types = []
        _model_types = d.pop("model_types")
        for model_types_item_data in _model_types:
            model_types_item = CatalogModelTypesItem(model_types_item_data)

            model_types.append(model_types_item)

        objectives = []
        _objectives = d.pop("objectives")
        for objectives_item_data in _objectives:
            objectives_item = CatalogObjective.from_dict(objectives_item_data)

            objectives.append(objectives_item)

        presets = []
        _presets = d.pop("presets")
        for presets_item_data in _presets:
            presets_item = CatalogPreset.from_dict(presets_item_data)

            presets.append(presets_item)

        catalog = cls(
            datasets=datasets,
            metrics=metrics,
            model_types=model_types,
            objectives=objectives,
            presets=presets,
        )

        catalog.additional_properties = d
        return catalog

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
