"""Which precision a run trains in: bf16 autocast where the hardware computes bf16 natively.

On a CPU that means AMX-BF16 (Sapphire Rapids and later Xeons) or AVX512-BF16 (Zen 4, Cooper
Lake): there oneDNN runs bf16 GEMMs at 3-4x the fp32 rate. Elsewhere bf16 is emulated and slower
than fp32, so runs stay fp32. On CUDA, bf16 where the GPU supports it (Ampere and later).

Native hardware is not enough: bf16 is a default only for the (dataset, model type) pairs whose
`quick` runs read the same in bf16 as in fp32 (`BF16_VALIDATED`), checked side by side by
bench/precision_grid.py (results in bench/results/, table in the README, "bf16 validation").
"""

from __future__ import annotations

import platform
from functools import cache
from pathlib import Path
from typing import Literal

import torch

Precision = Literal["fp32", "bf16"]
NATIVE_BF16_FLAGS = ("amx_bf16", "avx512_bf16")  # /proc/cpuinfo names, preferred first

# Where fp32 and bf16 `quick` runs (3 seeds, beta 0 / 1 / 4) differed in no mean of change-one,
# MIG or reconstruction by more than the larger seed std. fc failed: under bf16 its
# reconstruction came out 3-7% lower at beta 1 and 4, on every seed. Add a pair only after its
# grid passes (bench/precision_grid.py --model-types ...).
BF16_VALIDATED: frozenset[tuple[str, str]] = frozenset({("shapes", "conv-denoising")})


def _cpuinfo_first(field: str, text: str) -> str:
    """The value of the first `field : value` line of /proc/cpuinfo text ('' if absent)."""
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip() == field:
            return value.strip()
    return ""


@cache
def _cpuinfo() -> str:
    try:
        return Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""


def cpu_bf16_isa(cpuinfo: str | None = None) -> str | None:
    """'amx_bf16' or 'avx512_bf16' when this CPU has native bf16 arithmetic, else None."""
    text = _cpuinfo() if cpuinfo is None else cpuinfo
    flags = set(_cpuinfo_first("flags", text).split())
    return next((f for f in NATIVE_BF16_FLAGS if f in flags), None)


def cpu_name(cpuinfo: str | None = None) -> str:
    """The CPU's model name, e.g. 'Intel(R) Xeon(R) Processor' (platform's guess elsewhere)."""
    text = _cpuinfo() if cpuinfo is None else cpuinfo
    return _cpuinfo_first("model name", text) or platform.processor() or platform.machine()


def native_bf16(device: torch.device | str, cpuinfo: str | None = None) -> bool:
    """True where `device` computes bf16 natively: a CPU with AMX-BF16 or AVX512-BF16 (read from
    `cpuinfo`, default /proc/cpuinfo), a CUDA GPU that supports bf16."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    return device.type == "cpu" and cpu_bf16_isa(cpuinfo) is not None


def bf16_validated(dataset: str, model_type: str) -> bool:
    """True where bf16 training was shown to change nothing a user reads (`BF16_VALIDATED`)."""
    return (dataset, model_type) in BF16_VALIDATED


def precision_name(bf16: bool) -> Precision:
    """'bf16' or 'fp32': how runs and benchmarks report a precision."""
    return "bf16" if bf16 else "fp32"
