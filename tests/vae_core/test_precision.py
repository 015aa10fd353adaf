"""Native bf16 detection from /proc/cpuinfo text."""

from __future__ import annotations

import torch

from vae_core.precision import (
    bf16_validated,
    cpu_bf16_isa,
    cpu_name,
    native_bf16,
    precision_name,
)

XEON = "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu avx2 avx512f avx512_bf16 amx_bf16 amx_tile\n"  # noqa: E501
ZEN4 = "processor\t: 0\nmodel name\t: AMD EPYC 9R14\nflags\t\t: fpu avx2 avx512f avx512_bf16\n"
OLD = "processor\t: 0\nmodel name\t: AMD EPYC 7R13\nflags\t\t: fpu avx2 fma\n"


def test_amx_is_preferred_then_avx512_bf16_then_none() -> None:
    assert cpu_bf16_isa(XEON) == "amx_bf16"
    assert cpu_bf16_isa(ZEN4) == "avx512_bf16"
    assert cpu_bf16_isa(OLD) is None
    assert cpu_bf16_isa("") is None


def test_cpu_name_is_the_first_model_name() -> None:
    assert cpu_name(XEON + XEON.replace("Xeon(R)", "Other")) == "Intel(R) Xeon(R) Processor"
    assert cpu_name(ZEN4) == "AMD EPYC 9R14"


def test_native_bf16_on_a_cpu_follows_its_flags() -> None:
    assert native_bf16("cpu", XEON) and native_bf16(torch.device("cpu"), ZEN4)
    assert not native_bf16("cpu", OLD)
    assert (precision_name(True), precision_name(False)) == ("bf16", "fp32")


def test_bf16_is_validated_for_shapes_conv_denoising_only() -> None:
    assert bf16_validated("shapes", "conv-denoising")
    assert not bf16_validated("shapes", "fc")  # its reconstruction moved beyond the seed std
    assert not bf16_validated("shapes", "conv") and not bf16_validated("mnist", "conv-denoising")
