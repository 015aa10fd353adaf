from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.training_spec_evaluation import TrainingSpecEvaluation
from ..models.training_spec_objective import TrainingSpecObjective
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
        c_max (float | None | Unset):
        compile_ (bool | Unset):
        device (str | Unset):
        discriminator_lr (float | None | Unset):
        eval_corrupt (bool | Unset):
        evaluation (TrainingSpecEvaluation | Unset):
        iteration_threshold (int | None | Unset):
        lambda_d_factor (float | None | Unset):
        learning_rate (float | Unset):
        max_epochs (int | None | Unset):
        noise_amount (float | Unset):
        noise_fraction (float | Unset):
        objective (TrainingSpecObjective | Unset):
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
    c_max: float | None | Unset = UNSET
    compile_: bool | Unset = UNSET
    device: str | Unset = UNSET
    discriminator_lr: float | None | Unset = UNSET
    eval_corrupt: bool | Unset = UNSET
    evaluation: TrainingSpecEvaluation | Unset = UNSET
    iteration_threshold: int | None | Unset = UNSET
    lambda_d_factor: float | None | Unset = UNSET
    learning_rate: float | Unset = UNSET
    max_epochs: int | None | Unset = UNSET
    noise_amount: float | Unset = UNSET
    noise_fraction: float | Unset = UNSET
    objective: TrainingSpecObjective | Unset = UNSET
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

        c_max: float | None | Unset
        if isinstance(self.c_max, Unset):
            c_max = UNSET
        else:
            c_max = self.c_max

        compile_ = self.compile_

        device = self.device

        discriminator_lr: float | None | Unset
        if isinstance(self.discriminator_lr, Unset):
            discriminator_lr = UNSET
        else:
            discriminator_lr = self.discriminator_lr

        eval_corrupt = self.eval_corrupt

        evaluation: str | Unset = UNSET
        if not isinstance(self.evaluation, Unset):
            evaluation = self.evaluation.value

        iteration_threshold: int | None | Unset
        if isinstance(self.iteration_threshold, Unset):
            iteration_threshold = UNSET
        else:
            iteration_threshold = self.iteration_threshold

        lambda_d_factor: float | None | Unset
        if isinstance(self.lambda_d_factor, Unset):
            lambda_d_factor = UNSET
        else:
            lambda_d_factor = self.lambda_d_factor

        learning_rate = self.learning_rate

        max_epochs: int | None | Unset
        if isinstance(self.max_epochs, Unset):
            max_epochs = UNSET
        else:
            max_epochs = self.max_epochs

        noise_amount = self.noise_amount

        noise_fraction = self.noise_fraction

        objective: str | Unset = UNSET
        if not isinstance(self.objective, Unset):
            objective = self.objective.value

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
        if c_max is not UNSET:
            field_dict["c_max"] = c_max
        if compile_ is not UNSET:
            field_dict["compile"] = compile_
        if device is not UNSET:
            field_dict["device"] = device
        if discriminator_lr is not UNSET:
            field_dict["discriminator_lr"] = discriminator_lr
        if eval_corrupt is not UNSET:
            field_dict["eval_corrupt"] = eval_corrupt
        if evaluation is not UNSET:
            field_dict["evaluation"] = evaluation
        if iteration_threshold is not UNSET:
            field_dict["iteration_threshold"] = iteration_threshold
        if lambda_d_factor is not UNSET:
            field_dict["lambda_d_factor"] = lambda_d_factor
        if learning_rate is not UNSET:
            field_dict["learning_rate"] = learning_rate
        if max_epochs is not UNSET:
            field_dict["max_epochs"] = max_epochs
        if noise_amount is not UNSET:
            field_dict["noise_amount"] = noise_amount
        if noise_fraction is not UNSET:
            field_dict["noise_fraction"] = noise_fraction
        if objective is not UNSET:
            field_dict["objective"] = objective
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

        def _parse_c_max(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        c_max = _parse_c_max(d.pop("c_max", UNSET))

        compile_ = d.pop("compile", UNSET)

        device = d.pop("device", UNSET)

        def _parse_discriminator_lr(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        discriminator_lr = _parse_discriminator_lr(d.pop("discriminator_lr", UNSET))

        eval_corrupt = d.pop("eval_corrupt", UNSET)

        _evaluation = d.pop("evaluation", UNSET)
        evaluation: TrainingSpecEvaluation | Unset
        if isinstance(_evaluation, Unset):
            evaluation = UNSET
        else:
            evaluation = TrainingSpecEvaluation(_evaluation)

        def _parse_iteration_threshold(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        iteration_threshold = _parse_iteration_threshold(d.pop("iteration_threshold", UNSET))

        def _parse_lambda_d_factor(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        lambda_d_factor = _parse_lambda_d_factor(d.pop("lambda_d_factor", UNSET))

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

        _objective = d.pop("objective", UNSET)
        objective: TrainingSpecObjective | Unset
        if isinstance(_objective, Unset):
            objective = UNSET
        else:
            objective = TrainingSpecObjective(_objective)

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
            c_max=c_max,
            compile_=compile_,
            device=device,
            discriminator_lr=discriminator_lr,
            eval_corrupt=eval_corrupt,
            evaluation=evaluation,
            iteration_threshold=iteration_threshold,
            lambda_d_factor=lambda_d_factor,
            learning_rate=learning_rate,
            max_epochs=max_epochs,
            noise_amount=noise_amount,
            noise_fraction=noise_fraction,
            objective=objective,
            patience=patience,
            preset=preset,
            train_fraction=train_fraction,
            validation_cap=validation_cap,
        )

        return training_spec
