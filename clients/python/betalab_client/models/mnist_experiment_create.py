from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..models.mnist_experiment_create_metrics_item import MnistExperimentCreateMetricsItem
from ..models.mnist_experiment_create_model_types_item import MnistExperimentCreateModelTypesItem
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.beta_range import BetaRange
    from ..models.training_spec import TrainingSpec


T = TypeVar("T", bound="MnistExperimentCreate")


@_attrs_define
class MnistExperimentCreate:
    """A grid on MNIST: model types x betas x seeds x label fractions of the probes.

    Attributes:
        betas (BetaRange | list[float]): explicit betas, or an inclusive range {start, stop, step}
        dataset (Literal['mnist']):
        model_types (list[MnistExperimentCreateModelTypesItem]):
        name (str):
        seeds (int | list[int]): a count n (seeds 0..n-1) or an explicit list of seeds
        label_fractions (list[float] | Unset): fractions of labels for the probes
        metrics (list[MnistExperimentCreateMetricsItem] | Unset): metric groups
        training (TrainingSpec | Unset): Training preset and overrides of its TrainConfig fields.
    """

    betas: BetaRange | list[float]
    dataset: Literal["mnist"]
    model_types: list[MnistExperimentCreateModelTypesItem]
    name: str
    seeds: int | list[int]
    label_fractions: list[float] | Unset = UNSET
    metrics: list[MnistExperimentCreateMetricsItem] | Unset = UNSET
    training: TrainingSpec | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        betas: dict[str, Any] | list[float]
        if isinstance(self.betas, list):
            betas = self.betas

        else:
            betas = self.betas.to_dict()

        dataset = self.dataset

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

        label_fractions: list[float] | Unset = UNSET
        if not isinstance(self.label_fractions, Unset):
            label_fractions = self.label_fractions

        metrics: list[str] | Unset = UNSET
        if not isinstance(self.metrics, Unset):
            metrics = []
            for metrics_item_data in self.metrics:
                metrics_item = metrics_item_data.value
                metrics.append(metrics_item)

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

        dataset = cast(Literal["mnist"], d.pop("dataset"))
        if dataset != "mnist":
            raise ValueError(f"dataset must match const 'mnist', got '{dataset}'")

        model_types = []
        _model_types = d.pop("model_types")
        for model_types_item_data in _model_types:
            model_types_item = MnistExperimentCreateModelTypesItem(model_types_item_data)

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

        label_fractions = cast(list[float], d.pop("label_fractions", UNSET))

        _metrics = d.pop("metrics", UNSET)
        metrics: list[MnistExperimentCreateMetricsItem] | Unset = UNSET
        if _metrics is not UNSET:
            metrics = []
            for metrics_item_data in _metrics:
                metrics_item = MnistExperimentCreateMetricsItem(metrics_item_data)

                metrics.append(metrics_item)

        _training = d.pop("training", UNSET)
        training: TrainingSpec | Unset
        if isinstance(_training, Unset):
            training = UNSET
        else:
            training = TrainingSpec.from_dict(_training)

        mnist_experiment_create = cls(
            betas=betas,
            dataset=dataset,
            model_types=model_types,
            name=name,
            seeds=seeds,
            label_fractions=label_fractions,
            metrics=metrics,
            training=training,
        )

        return mnist_experiment_create
