"""schemathesis, every check, against a real `betalab serve --external` on PostgreSQL and Redis.

The service runs with no worker, so the experiments the fuzzer creates stay queued. The fuzzer
sends a write key on every request; its `ignored_auth` probes take it away again. The hooks in
tests/api/fuzz_hooks.py drop only schema-valid experiment bodies that break a rule between
fields (which JSON Schema cannot state; test_validation.py checks those 422s).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.utils.service import Service, running_service
from worker.pool import REPO_ROOT

SEED = 20261203
MAX_EXAMPLES = 40  # per operation; with the coverage phase's cases, well over 1,000 in all
MIN_CASES = 1000


@pytest.fixture(scope="module")
def api_only(
    postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory, mnist_dir: Path
) -> Iterator[Service]:
    with running_service(
        "fuzz",
        tmp_path_factory,
        postgres_admin_url=postgres_admin_url,
        mnist_dir=mnist_dir,
        worker=False,
    ) as running:
        yield running


def test_the_api_keeps_to_its_own_schema_under_schemathesis(api_only: Service, tmp_path: Path):
    report = tmp_path / "report.json"
    st = Path(sys.executable).with_name("st")
    command = [
        str(st),
        "run",
        f"{api_only.url}/openapi.json",
        "--checks",
        "all",
        "--seed",
        str(SEED),
        "--max-examples",
        str(MAX_EXAMPLES),
        "--workers",
        "1",
        "--header",
        f"Authorization: Bearer {api_only.api_key}",
        "--request-timeout",
        "30",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--warnings",
        "off",
    ]
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "SCHEMATHESIS_HOOKS": "tests.api.fuzz_hooks",
        "BETALAB_MAX_RUNS_PER_EXPERIMENT": api_only.env.get(
            "BETALAB_MAX_RUNS_PER_EXPERIMENT", "5000"
        ),
    }
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    output = done.stdout[-6000:] + done.stderr[-2000:]
    assert report.exists(), output
    result = json.loads(report.read_text())
    cases = result["test_cases"]
    print(
        f"schemathesis {result['schemathesis_version']}, seed {SEED}: {cases['generated']} cases,"
        f" {cases['with_failures']} with failures, {len(result['errors'])} errors,"
        f" {result['running_time']:.0f} s"
    )
    assert result["complete"] and result["stop_reason"] == "completed", output
    assert result["failures"] == [] and result["errors"] == [], output
    assert cases["with_failures"] == 0 and cases["errored"] == 0, output
    assert cases["generated"] >= MIN_CASES, cases
    operations = result["operations"]
    assert operations["tested"] == operations["total"] >= 16, operations
    # The fuzzer got past validation: it created experiments, and some requests were refused.
    accepted = result["valid_rates"]["POST /experiments"]["coverage"]["accepted"]
    assert accepted > 0, result["valid_rates"]["POST /experiments"]
    assert done.returncode == 0, output

    listed = httpx.get(f"{api_only.url}/experiments", params={"limit": 1}).json()
    assert listed["count"] > 0
    api_log = "\n".join(process.log() for process in api_only.processes)
    assert "Traceback" not in api_log and " 500 " not in api_log, api_log[-3000:]
