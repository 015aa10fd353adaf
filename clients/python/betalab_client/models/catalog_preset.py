from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.catalog_preset_name import CatalogPresetName

if TYPE_CHECKING:
    from ..models.catalog_preset_fields import CatalogPresetFields


T = TypeVar("T", bound="CatalogPreset")


@_attrs_define
class CatalogPreset:
    """
    Attributes:
        fields (CatalogPresetFields): the preset's training configuration, field by field
        name (CatalogPresetName):
    """

    fields: CatalogPresetFields
    name: CatalogPresetName
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        fields = self.fields.to_dict()

        name = self.name.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "fields": fields,
                "name": name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.catalog_preset_fields import CatalogPresetFields  # noqa: PLC0415

        d = dict(src_dict)
        fields = CatalogPresetFields.from_dict(d.pop("fields"))

        name = CatalogPresetName(d.pop("name"))

        catalog_preset = cls(
            fields=fields,
            name=name,
        )

        catalog_preset.additional_properties = d
        return catalog_preset

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
