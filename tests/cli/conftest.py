"""One real service (PostgreSQL, Redis, API, worker) shared by every CLI and SDK test."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from betalab_cli.main import app
from tests.utils.service import Service, running_service
from worker.pool import REPO_ROOT


@pytest.fixture(scope="session")
def service(
    postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory, mnist_dir: Path
) -> Iterator[Service]:
    with running_service(
        "cli", tmp_path_factory, postgres_admin_url=postgres_admin_url, mnist_dir=mnist_dir
    ) as running:
        yield running


def betalab(
    *args: str,
    server: str | None = None,
    api_key: str | None = None,
    env: dict[str, str | None] | None = None,
) -> Result:
    """Run a command in-process, as typed in a shell (stdout and stderr kept apart)."""
    environment = {"BETALAB_SERVER": server, "BETALAB_API_KEY": api_key, **(env or {})}
    return CliRunner().invoke(app, list(args), env=environment)


def betalab_process(
    *args: str, env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the `betalab` entry point in a fresh process (settings read from `env`)."""
    return subprocess.run(
        [sys.executable, "-m", "betalab_cli.main", *args],
        env=env,
        cwd=str(REPO_ROOT),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
