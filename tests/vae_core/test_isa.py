"""`make test-numerics-avx2` really holds every kernel library to AVX2 (the variables it sets)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.numerics

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import torch
print("aten", torch.backends.cpu.get_cpu_capability())
torch.randn(64, 64) @ torch.randn(64, 64)  # MKL SGEMM
torch.nn.functional.conv2d(torch.randn(2, 4, 16, 16), torch.randn(8, 4, 3, 3))  # oneDNN
"""


def avx2_variables() -> dict[str, str]:
    """NAME=value pairs of the Makefile's `AVX2 :=` line."""
    line = re.search(r"^AVX2 := (.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert line, "Makefile has no AVX2 := line"
    return dict(pair.split("=", 1) for pair in line.group(1).split())


def test_the_avx2_run_restricts_aten_mkl_and_onednn() -> None:
    variables = avx2_variables()
    assert set(variables) == {
        "ONEDNN_MAX_CPU_ISA",
        "MKL_ENABLE_INSTRUCTIONS",
        "ATEN_CPU_CAPABILITY",
    }
    env = {**os.environ, **variables, "ONEDNN_VERBOSE": "1", "MKL_VERBOSE": "1"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    text = out.stdout + out.stderr
    assert "aten AVX2" in text
    # MKL names its code path in the header on Intel CPUs only ("... Intel(R) AVX2 ... enabled
    # processors"); elsewhere it says "Intel(R) Architecture processors" and runs AVX2 at most.
    header = re.search(
        r"MKL_VERBOSE oneMKL .* for Intel\(R\) 64 architecture (.+?) processors", text
    )
    assert header, text[:500]
    if "GenuineIntel" in Path("/proc/cpuinfo").read_text():
        assert "(Intel(R) AVX2) enabled" in header.group(1), header.group(0)
    else:
        assert header.group(1) == "Intel(R) Architecture", header.group(0)
    assert "onednn_verbose,v1,info,cpu,isa:Intel AVX2" in text
    convolutions = [line for line in text.splitlines() if ",convolution," in line]
    assert convolutions and all("avx512" not in line and "amx" not in line for line in convolutions)
