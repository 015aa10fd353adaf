from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.finding_public import FindingPublic


T = TypeVar("T", bound="FindingsPublic")


@_attrs_define
class FindingsPublic:
    """The paper's findings tested on an experiment's completed runs.

    Attributes:
        alpha (float): significance level of every test
        dataset (str):
        experiment_id (str):
        findings (list[FindingPublic]):
        metric (str): the result key the findings are about
    """

    alpha: float
    dataset: str
    experiment_id: str
    findings: list[FindingPublic]
    metric: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        alpha = self.alpha

        dataset = self.dataset

        experiment_id = self.experiment_id

        findings = []
        for findings_item_data in self.findings:
            findings_item = findings_item_data.to_dict()
            findings.append(findings_item)

        metric = self.metric

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "alpha": alpha,
                "dataset": dataset,
                "experiment_id": experiment_id,
                "findings": findings,
                "metric": metric,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.finding_public import FindingPublic  # noqa: PLC0415

        d = dict(src_dict)
        alpha = d.pop("alpha")

        dataset = d.pop("dataset")

        experiment_id = d.pop("experiment_id")

        findings = []
        _findings = d.pop("findings")
        for findings_item_data in _findings:
            findings_item = FindingPublic.from_dict(findings_item_data)

            findings.append(findings_item)

        metric = d.pop("metric")

        findings_public = cls(
            alpha=alpha,
            dataset=dataset,
            experiment_id=experiment_id,
            findings=findings,
            metric=metric,
        )

        findings_public.additional_properties = d
        return findings_public

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
