from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="QuotaError")


@_attrs_define
class QuotaError:
    """429: the experiment would take its key past the runs it may have unfinished at once.

    Attributes:
        active (int): the key's runs queued or in progress now
        detail (str):
        limit (int): max_active_runs_per_key
        requested (int): runs the refused experiment would have added
    """

    active: int
    detail: str
    limit: int
    requested: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        active = self.active

        detail = self.detail

        limit = self.limit

        requested = self.requested

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "active": active,
                "detail": detail,
                "limit": limit,
                "requested": requested,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        active = d.pop("active")

        detail = d.pop("detail")

        limit = d.pop("limit")

        requested = d.pop("requested")

        quota_error = cls(
            active=active,
            detail=detail,
            limit=limit,
            requested=requested,
        )

        quota_error.additional_properties = d
        return quota_error

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
