from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="BetaRange")


@_attrs_define
class BetaRange:
    """Betas start, start + step, ... up to and including stop.

    Attributes:
        start (float):
        step (float):
        stop (float):
    """

    start: float
    step: float
    stop: float

    def to_dict(self) -> dict[str, Any]:
        start = self.start

        step = self.step

        stop = self.stop

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "start": start,
                "step": step,
                "stop": stop,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        start = d.pop("start")

        step = d.pop("step")

        stop = d.pop("stop")

        beta_range = cls(
            start=start,
            step=step,
            stop=stop,
        )

        return beta_range
