"""Which precision a run trains in: bf16 autocast where the hardware computes bf16 natively.

On a CPU that means AMX-BF16 (Sapphire Rapids and later Xeons) or AVX512-BF16 (Zen 4, Cooper
Lake): there oneDNN runs bf16 GEMMs at 3-4x the fp32 rate. Elsewhere bf16 is emulated and slower
than fp32, so runs stay fp32 (the switch itself waits for the fp32-vs-bf16 validation grid,
bench/precision_grid.py).
"""

from __future__ import annotations

import platform
from functools import cache
from pathlib import Path

NATIVE_BF16_FLAGS = ("amx_bf16", "avx512_bf16")  # /proc/cpuinfo names, preferred first


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
