"""What every benchmark prints last: its fields one per line for a person, then one JSON line."""

from __future__ import annotations

import json
from typing import Any


def emit(report: dict[str, Any], *, as_json: bool, width: int = 24) -> None:
    """Print `report` a field per line (unless `as_json`), then as one JSON line, the last."""
    if not as_json:
        for key, value in report.items():
            print(f"{key:>{width}}: {value}")
    print(json.dumps(report))


def host() -> dict[str, str | None]:
    """The host's CPU, its bf16 instructions and torch's version, for a report's first fields."""
    import torch

    from vae_core.precision import cpu_bf16_isa, cpu_name

    return {"host_cpu": cpu_name(), "host_bf16_isa": cpu_bf16_isa(), "torch": torch.__version__}
