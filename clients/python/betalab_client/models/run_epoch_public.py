from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RunEpochPublic")


@_attrs_define
class RunEpochPublic:
    """One finished epoch. Costs are batch means in nats per image; the loss is recon + β·KL.

    Attributes:
        epoch (int): the epoch's number, from 1
        images_per_s (float): training images per second of training steps
        kl (float): training KL divergence from the prior
        recon (float): training reconstruction cost
        seconds (float): wall time of the epoch, validation included
        train_loss (float): training loss
        val_kl (float): validation KL divergence
        val_loss (float): validation loss: early stopping keeps its minimum
        val_recon (float): validation reconstruction cost
    """

    epoch: int
    images_per_s: float
    kl: float
    recon: float
    seconds: float
    train_loss: float
    val_kl: float
    val_loss: float
    val_recon: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        epoch = self.epoch

        images_per_s = self.images_per_s

        kl = self.kl

        recon = self.recon

        seconds = self.seconds

        train_loss = self.train_loss

        val_kl = self.val_kl

        val_loss = self.val_loss

        val_recon = self.val_recon

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "epoch": epoch,
                "images_per_s": images_per_s,
                "kl": kl,
                "recon": recon,
                "seconds": seconds,
                "train_loss": train_loss,
                "val_kl": val_kl,
                "val_loss": val_loss,
                "val_recon": val_recon,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        epoch = d.pop("epoch")

        images_per_s = d.pop("images_per_s")

        kl = d.pop("kl")

        recon = d.pop("recon")

        seconds = d.pop("seconds")

        train_loss = d.pop("train_loss")

        val_kl = d.pop("val_kl")

        val_loss = d.pop("val_loss")

        val_recon = d.pop("val_recon")

        run_epoch_public = cls(
            epoch=epoch,
            images_per_s=images_per_s,
            kl=kl,
            recon=recon,
            seconds=seconds,
            train_loss=train_loss,
            val_kl=val_kl,
            val_loss=val_loss,
            val_recon=val_recon,
        )

        run_epoch_public.additional_properties = d
        return run_epoch_public

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
