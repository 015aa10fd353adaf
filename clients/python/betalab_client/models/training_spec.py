from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.training_spec_evaluation import TrainingSpecEvaluation
from ..models.training_spec_preset import TrainingSpecPreset
from ..types import UNSET, Unset

T = TypeVar("T", bound="TrainingSpec")


@_attrs_define
class TrainingSpec:
    """Training preset and overrides of its TrainConfig fields.

    Attributes:
        batch_size (int | Unset):
        beta0_learning_rate (float | Unset):
        bf16 (bool | None | Unset):
        bn_momentum (float | None | Unset):
        compile_ (bool | Unset):
        device (str | Unset):
        eval_corrupt (bool | Unset):
        evaluation (TrainingSpecEvaluation | Unset):
        learning_rate (float | Unset):
        max_epochs (int | None | Unset):
        noise_amount (float | Unset):
        noise_fraction (float | Unset):
        patience (int | Unset):
        preset (TrainingSpecPreset | Unset): named defaults: calibrated, paper, quick, smoke Default:
            TrainingSpecPreset.PAPER.
        train_fraction (float | Unset):
        validation_cap (int | Unset):
    """

    batch_size: int | Unset = UNSET
    beta0_learning_rate: float | Unset = UNSET
    bf16: bool | None | Unset = UNSET
    bn_momentum: float | None | Unset = UNSET
    compile_: bool | Unset = UNSET
    device: str | Unset = UNSET
    eval_corrupt: bool | Unset = UNSET
    evaluation: TrainingSpecEvaluation | Unset = UNSET
    learning_rate: float | Unset = UNSET
    max_epochs: int | None | Unset = UNSET
    noise_amount: float | Unset = UNSET
    noise_fraction: float | Unset = UNSET
    patience: int | Unset = UNSET
    preset: TrainingSpecPreset | Unset = TrainingSpecPreset.PAPER
    train_fraction: float | Unset = UNSET
    validation_cap: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        batch_size = self.batch_size

        beta0_learning_rate = self.beta0_learning_rate

        bf16: bool | None | Unset
        if isinstance(self.bf16, Unset):
            bf16 = UNSET
        else:
            bf16 = self.bf16

        bn_momentum: float | None | Unset
        if isinstance(self.bn_momentum, Unset):
            bn_momentum = UNSET
        else:
            bn_momentum = self.bn_momentum

        compile_ = self.compile_

        device = self.device

        eval_corrupt = self.eval_corrupt

        evaluation: str | Unset = UNSET
        if not isinstance(self.evaluation, Unset):
            evaluation = self.evaluation.value

        learning_rate = self.learning_rate

        max_epochs: int | None | Unset
        if isinstance(self.max_epochs, Unset):
            max_epochs = UNSET
        else:
            max_epochs = self.max_epochs

        noise_amount = self.noise_amount

        noise_fraction = self.noise_fraction

        patience = self.patience

        preset: str | Unset = UNSET
        if not isinstance(self.preset, Unset):
            preset = self.preset.value

        train_fraction = self.train_fraction

        validation_cap = self.validation_cap

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if batch_size is not UNSET:
            field_dict["batch_size"] = batch_size
        if beta0_learning_rate is not UNSET:
            field_dict["beta0_learning_rate"] = beta0_learning_rate
        if bf16 is not UNSET:
            field_dict["bf16"] = bf16
        if bn_momentum is not UNSET:
            field_dict["bn_momentum"] = bn_momentum
        if compile_ is not UNSET:
            field_dict["compile"] = compile_
        if device is not UNSET:
            field_dict["device"] = device
        if eval_corrupt is not UNSET:
            field_dict["eval_corrupt"] = eval_corrupt
        if evaluation is not UNSET:
            field_dict["evaluation"] = evaluation
        if learning_rate is not UNSET:
            field_dict["learning_rate"] = learning_rate
        if max_epochs is not UNSET:
            field_dict["max_epochs"] = max_epochs
        if noise_amount is not UNSET:
            field_dict["noise_amount"] = noise_amount
        if noise_fraction is not UNSET:
            field_dict["noise_fraction"] = noise_fraction
        if patience is not UNSET:
            field_dict["patience"] = patience
        if preset is not UNSET:
            field_dict["preset"] = preset
        if train_fraction is not UNSET:
            field_dict["train_fraction"] = train_fraction
        if validation_cap is not UNSET:
            field_dict["validation_cap"] = validation_cap

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        batch_size = d.pop("batch_size", UNSET)

        beta0_learning_rate = d.pop("beta0_learning_rate", UNSET)

        def _parse_bf16(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        bf16 = _parse_bf16(d.pop("bf16", UNSET))

        def _parse_bn_momentum(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        bn_momentum = _parse_bn_momentum(d.pop("bn_momentum", UNSET))

        compile_ = d.pop("compile", UNSET)

        device = d.pop("device", UNSET)

        eval_corrupt = d.pop("eval_corrupt", UNSET)

        _evaluation = d.pop("evaluation", UNSET)
        evaluation: TrainingSpecEvaluation | Unset
        if isinstance(_evaluation, Unset):
            evaluation = UNSET
        else:
            evaluation = TrainingSpecEvaluation(_evaluation)

        learning_rate = d.pop("learning_rate", UNSET)

        def _parse_max_epochs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_epochs = _parse_max_epochs(d.pop("max_epochs", UNSET))

        noise_amount = d.pop("noise_amount", UNSET)

        noise_fraction = d.pop("noise_fraction", UNSET)

        patience = d.pop("patience", UNSET)

        _preset = d.pop("preset", UNSET)
        preset: TrainingSpecPreset | Unset
        if isinstance(_preset, Unset):
            preset = UNSET
        else:
            preset = TrainingSpecPreset(_preset)

        train_fraction = d.pop("train_fraction", UNSET)

        validation_cap = d.pop("validation_cap", UNSET)

        training_spec = cls(
            batch_size=batch_size,
            beta0_learning_rate=beta0_learning_rate,
            bf16=bf16,
            bn_momentum=bn_momentum,
            compile_=compile_,
            device=device,
            eval_corrupt=eval_corrupt,
            evaluation=evaluation,
            learning_rate=learning_rate,
            max_epochs=max_epochs,
            noise_amount=noise_amount,
            noise_fraction=noise_fraction,
            patience=patience,
            preset=preset,
            train_fraction=train_fraction,
            validation_cap=validation_cap,
        )

        return training_spec
