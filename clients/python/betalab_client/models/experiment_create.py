from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.experiment_create_dataset import ExperimentCreateDataset
from ..models.experiment_create_model_types_item import ExperimentCreateModelTypesItem
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.beta_range import BetaRange
    from ..models.training_spec import TrainingSpec


T = TypeVar("T", bound="ExperimentCreate")


@_attrs_define
class ExperimentCreate:
    """A grid of runs: model types x betas x seeds (x label fractions for MNIST).

    Attributes:
        betas (BetaRange | list[float]): explicit betas, or an inclusive range {start, stop, step}
        dataset (ExperimentCreateDataset):
        model_types (list[ExperimentCreateModelTypesItem]):
        name (str):
        seeds (int | list[int]): a count n (seeds 0..n-1) or an explicit list of seeds
        label_fractions (list[float] | None | Unset): MNIST only: fractions of labels for the probes; [1.0]
        metrics (list[str] | None | Unset): metric groups; default per dataset
        training (TrainingSpec | Unset): Training preset and overrides of its TrainConfig fields.
    """

    betas: BetaRange | list[float]
    dataset: ExperimentCreateDataset
    model_types: list[ExperimentCreateModelTypesItem]
    name: str
    seeds: int | list[int]
    label_fractions: list[float] | None | Unset = UNSET
    metrics: list[str] | None | Unset = UNSET
    training: TrainingSpec | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        betas: dict[str, Any] | list[float]
        if isinstance(self.betas, list):
            betas = self.betas

        else:
            betas = self.betas.to_dict()

        dataset = self.dataset.value

        model_types = []
        for model_types_item_data in self.model_types:
            model_types_item = model_types_item_data.value
            model_types.append(model_types_item)

        name = self.name

        seeds: int | list[int]
        if isinstance(self.seeds, list):
            seeds = self.seeds

        else:
            seeds = self.seeds

        label_fractions: list[float] | None | Unset
        if isinstance(self.label_fractions, Unset):
            label_fractions = UNSET
        elif isinstance(self.label_fractions, list):
            label_fractions = self.label_fractions

        else:
            label_fractions = self.label_fractions

        metrics: list[str] | None | Unset
        if isinstance(self.metrics, Unset):
            metrics = UNSET
        elif isinstance(self.metrics, list):
            metrics = self.metrics

        else:
            metrics = self.metrics

        training: dict[str, Any] | Unset = UNSET
        if not isinstance(self.training, Unset):
            training = self.training.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "betas": betas,
                "dataset": dataset,
                "model_types": model_types,
                "name": name,
                "seeds": seeds,
            }
        )
        if label_fractions is not UNSET:
            field_dict["label_fractions"] = label_fractions
        if metrics is not UNSET:
            field_dict["metrics"] = metrics
        if training is not UNSET:
            field_dict["training"] = training

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.beta_range import BetaRange  # noqa: PLC0415
        from ..models.training_spec import TrainingSpec  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_betas(data: object) -> BetaRange | list[float]:
            try:
                if not isinstance(data, list):
                    raise TypeError()
                betas_type_0 = cast(list[float], data)

                return betas_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            betas_type_1 = BetaRange.from_dict(data)

            return betas_type_1

        betas = _parse_betas(d.pop("betas"))

        dataset = ExperimentCreateDataset(d.pop("dataset"))

        model_types = []
        _model_types = d.pop("model_types")
        for model_types_item_data in _model_types:
            model_types_item = ExperimentCreateModelTypesItem(model_types_item_data)

            model_types.append(model_types_item)

        name = d.pop("name")

        def _parse_seeds(data: object) -> int | list[int]:
            try:
                if not isinstance(data, list):
                    raise TypeError()
                seeds_type_1 = cast(list[int], data)

                return seeds_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(int | list[int], data)

        seeds = _parse_seeds(d.pop("seeds"))

        def _parse_label_fractions(data: object) -> list[float] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                label_fractions_type_0 = cast(list[float], data)

                return label_fractions_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[float] | None | Unset, data)

        label_fractions = _parse_label_fractions(d.pop("label_fractions", UNSET))

        def _parse_metrics(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                metrics_type_0 = cast(list[str], data)

                return metrics_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        metrics = _parse_metrics(d.pop("metrics", UNSET))

        _training = d.pop("training", UNSET)
        training: TrainingSpec | Unset
        if isinstance(_training, Unset):
            training = UNSET
        else:
            training = TrainingSpec.from_dict(_training)

        experiment_create = cls(
            betas=betas,
            dataset=dataset,
            model_types=model_types,
            name=name,
            seeds=seeds,
            label_fractions=label_fractions,
            metrics=metrics,
            training=training,
        )

        return experiment_create
