"""bench/precision_grid.py's verdict: |mean(bf16) - mean(fp32)| against the larger seed spread."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

from tests.conftest import REPO_ROOT

_path = REPO_ROOT / "bench" / "precision_grid.py"
_spec = importlib.util.spec_from_file_location("precision_grid", _path)
assert _spec is not None and _spec.loader is not None
grid = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(grid)


def _rows(model_type: str, beta: float, precision: str, values: list[float]) -> list[dict]:
    return [
        {
            "model_type": model_type,
            "beta": beta,
            "seed": seed,
            "precision": precision,
            "change_one": v,
            "mig": v / 10,
            "recon": 100 * v,
        }
        for seed, v in enumerate(values)
    ]


def test_a_shift_inside_the_seed_spread_passes_and_one_outside_it_differs() -> None:
    rows = _rows("fc", 1.0, "fp32", [0.60, 0.70, 0.80])  # mean 0.70, std 0.10
    rows += _rows("fc", 1.0, "bf16", [0.65, 0.75, 0.85])  # mean 0.75: |diff| 0.05 < 0.10
    rows += _rows("fc", 4.0, "fp32", [0.60, 0.61, 0.62])  # std 0.01
    rows += _rows("fc", 4.0, "bf16", [0.70, 0.71, 0.72])  # |diff| 0.10 > 0.01
    table = {(v["beta"], v["quantity"]): v for v in grid.verdicts(rows)}
    assert len(table) == 6  # two cells x three quantities; cells without runs are left out
    assert all(table[(1.0, q)]["within_seed_std"] for q in ("change_one", "mig", "recon"))
    assert not any(table[(4.0, q)]["within_seed_std"] for q in ("change_one", "mig", "recon"))
    cell = table[(1.0, "change_one")]
    assert abs(cell["abs_diff"] - 0.05) < 1e-12 and abs(cell["fp32_std"] - 0.10) < 1e-12
    assert cell["seeds"] == 3


def test_a_cell_with_one_seed_per_side_gets_no_verdict() -> None:
    rows = _rows("fc", 0.0, "fp32", [0.5]) + _rows("fc", 0.0, "bf16", [0.5, 0.6])
    assert grid.verdicts(rows) == []


def test_finished_runs_reads_what_two_processes_appended(tmp_path: Path) -> None:
    out = tmp_path / "grid.jsonl"
    assert grid.finished_runs(out) == []
    rows = _rows("fc", 1.0, "fp32", [0.1, 0.2])
    out.write_text("".join(json.dumps(r) + "\n" for r in rows) + "\n")
    assert grid.finished_runs(out) == rows


def test_a_run_is_claimed_once_and_a_dead_claim_is_taken_over(tmp_path: Path) -> None:
    claims, key = tmp_path / "grid.jsonl.claims", ("fc", 1.0, 0, "bf16")
    assert grid.claim(claims, key)
    assert not grid.claim(claims, key)  # this process is alive and holds it
    (claims / "fc_1.0_0_bf16").write_text(f"{grid._boot_id()} 999999999")  # no such pid
    assert grid.claim(claims, key)
    (claims / "fc_1.0_0_bf16").write_text(f"another-boot {os.getpid()}")
    assert grid.claim(claims, key)  # a claim from before a reboot is stale too
    assert grid.claim(claims, ("fc", 1.0, 0, "fp32"))  # other runs are free


def _full_cell(model_type: str, shift: float) -> list[dict]:
    """Every beta in the grid, three seeds a side; bf16 moved by `shift`."""
    rows = []
    for beta in grid.BETAS:
        rows += _rows(model_type, beta, "fp32", [0.60, 0.70, 0.80])
        rows += _rows(model_type, beta, "bf16", [0.60 + shift, 0.70 + shift, 0.80 + shift])
    return rows


def test_a_model_type_is_validated_only_when_all_nine_cells_pass() -> None:
    rows = _full_cell("conv", 0.01) + _full_cell("fc", 0.01)
    rows = [r for r in rows if not (r["model_type"] == "fc" and r["beta"] == 4.0)]
    rows += _rows("fc", 4.0, "fp32", [0.60, 0.61, 0.62]) + _rows("fc", 4.0, "bf16", [0.7, 0.7, 0.7])
    table = grid.verdicts(rows)
    assert [v["model_type"] for v in table][:1] == ["fc"]  # the order of vae_core's MODEL_TYPES
    assert grid.validated(table) == {"fc": False, "conv": True}
    assert grid.validated(grid.verdicts(_full_cell("conv", 0.0)[:-6])) == {"conv": False}


def test_the_markdown_table_has_a_row_per_cell_and_marks_what_differs() -> None:
    rows = _rows("fc", 1.0, "fp32", [0.60, 0.70, 0.80]) + _rows("fc", 1.0, "bf16", [0.6, 0.7, 0.8])
    rows += _rows("fc", 4.0, "fp32", [0.60, 0.61, 0.62]) + _rows("fc", 4.0, "bf16", [0.7, 0.7, 0.7])
    lines = grid.markdown(grid.verdicts(rows)).splitlines()
    assert len(lines) == 4 and lines[2].startswith("| fc | 1 |") and "✗" not in lines[2]
    assert lines[3].startswith("| fc | 4 |") and lines[3].count("**✗**") == 3
    assert "0.700 ± 0.100 → 0.700 ± 0.100 ✓" in lines[2] and "70.0 ± 10.0" in lines[2]


def test_the_committed_grid_is_what_the_bf16_default_rests_on() -> None:
    from vae_core.precision import BF16_VALIDATED

    rows = grid.finished_runs(REPO_ROOT / "bench" / "results" / "precision_grid.jsonl")
    assert len(rows) == 36
    passed = {m for m, ok in grid.validated(grid.verdicts(rows)).items() if ok}
    assert {("shapes", m) for m in passed} == BF16_VALIDATED
