from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.finding_public_verdict import FindingPublicVerdict

if TYPE_CHECKING:
    from ..models.finding_public_numbers import FindingPublicNumbers


T = TypeVar("T", bound="FindingPublic")


@_attrs_define
class FindingPublic:
    """
    Attributes:
        claim (str):
        id (str): F1, F2a-F2c (shapes) or F3a-F3d (MNIST), as in the paper
        label_fraction (float | None):
        model_type (None | str):
        numbers (FindingPublicNumbers): the statistics behind the verdict (see vae_core/analysis/findings.py)
        reason (str): the test and its outcome in words
        verdict (FindingPublicVerdict): inconclusive: too few runs for the test to decide either way
    """

    claim: str
    id: str
    label_fraction: float | None
    model_type: None | str
    numbers: FindingPublicNumbers
    reason: str
    verdict: FindingPublicVerdict
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        claim = self.claim

        id = self.id

        label_fraction: float | None
        label_fraction = self.label_fraction

        model_type: None | str
        model_type = self.model_type

        numbers = self.numbers.to_dict()

        reason = self.reason

        verdict = self.verdict.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "claim": claim,
                "id": id,
                "label_fraction": label_fraction,
                "model_type": model_type,
                "numbers": numbers,
                "reason": reason,
                "verdict": verdict,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.finding_public_numbers import FindingPublicNumbers  # noqa: PLC0415

        d = dict(src_dict)
        claim = d.pop("claim")

        id = d.pop("id")

        def _parse_label_fraction(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        label_fraction = _parse_label_fraction(d.pop("label_fraction"))

        def _parse_model_type(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        model_type = _parse_model_type(d.pop("model_type"))

        numbers = FindingPublicNumbers.from_dict(d.pop("numbers"))

        reason = d.pop("reason")

        verdict = FindingPublicVerdict(d.pop("verdict"))

        finding_public = cls(
            claim=claim,
            id=id,
            label_fraction=label_fraction,
            model_type=model_type,
            numbers=numbers,
            reason=reason,
            verdict=verdict,
        )

        finding_public.additional_properties = d
        return finding_public

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
