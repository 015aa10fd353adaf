"""`betalab serve` with no services configured: SQLite, the bundled broker and a CPU worker."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import sqlalchemy as sa

from persistence.db import session_scope
from persistence.keys import create_api_key
from persistence.models import Run, RunStatus
from tests.utils.processes import betalab_cli, free_port, wait_for
from worker.pool import REPO_ROOT


def _statuses(database_url: str, experiment_id: str) -> list[RunStatus]:
    with session_scope(database_url) as session:
        return list(
            session.scalars(
                sa.select(Run.status)
                .where(Run.experiment_id == experiment_id)
                .order_by(Run.grid_index)
            )
        )


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_serve_runs_an_experiment_and_a_restart_loses_no_queued_run(
    tmp_path: Path, data_cache_dir: Path
) -> None:
    data_dir = tmp_path / "d"
    port = free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("BETALAB_")
    }  # nothing configured
    env.update(
        PYTHONPATH=str(REPO_ROOT),
        BETALAB_DATA_DIR=str(data_dir),
        BETALAB_PORT=str(port),
        BETALAB_CACHE_DIR=str(data_cache_dir),
        BETALAB_TORCH_THREADS="1",
        BETALAB_HEARTBEAT_INTERVAL_S="1",
        BETALAB_HEARTBEAT_STALE_S="4",
        BETALAB_SWEEP_INTERVAL_S="1",
    )
    base = f"http://127.0.0.1:{port}"
    database_url = f"sqlite:///{data_dir / 'betalab.db'}"
    spec = {
        "name": "embedded",
        "dataset": "mnist",
        "model_types": ["fc"],
        "betas": [1.0, 2.0, 4.0, 8.0],
        "seeds": [0],
        "metrics": ["reconstruction"],
        "training": {"preset": "smoke"},
    }

    serve = betalab_cli(["serve"], env, tmp_path / "serve1.log")
    try:
        wait_for(lambda: _healthy(base), timeout=60, what="the embedded API")
        assert (data_dir / "broker" / "redis.sock").exists()
        with session_scope(database_url) as session:
            key = create_api_key(session=session, name="embedded")
        headers = {"Authorization": f"Bearer {key}"}
        created = httpx.post(f"{base}/experiments", json=spec, headers=headers, timeout=30)
        assert created.status_code == 201, created.text
        experiment_id = created.json()["id"]
        wait_for(
            lambda: RunStatus.completed in _statuses(database_url, experiment_id),
            timeout=120,
            what="a first completed run",
        )
    finally:
        assert serve.stop(timeout=40) is not None
    left = _statuses(database_url, experiment_id)
    assert RunStatus.queued in left, "stop earlier: every run had already started"
    assert (data_dir / "broker" / "appendonly.aof").exists() or any(
        (data_dir / "broker").glob("appendonly*")
    )

    serve = betalab_cli(["serve"], env, tmp_path / "serve2.log")
    try:
        wait_for(lambda: _healthy(base), timeout=60, what="the restarted API")
        final = wait_for(
            lambda: (
                (s := _statuses(database_url, experiment_id))
                and all(x == RunStatus.completed for x in s)
                and s
            ),
            timeout=150,
            what="every run after the restart",
        )
        detail = httpx.get(f"{base}/experiments/{experiment_id}", timeout=10).json()
    finally:
        serve.stop(timeout=40)
    assert len(final) == 4
    assert detail["status"] == "completed"
