"""The benchmarks' contracts, run at toy sizes: one JSON line last, with consistent figures."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO_ROOT


def run_benchmark(script: str, args: list[str], timeout_s: float = 300) -> dict:
    """Run bench/`script` with `args`; its last stdout line, parsed. Fails with its stderr tail."""
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
