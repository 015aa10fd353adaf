"""Two `betalab serve` on one machine: the second refuses clearly and the first keeps working."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from persistence.settings import Settings
from tests.utils.processes import betalab_cli, free_port, wait_for
from tests.worker.test_embedded import _healthy
from worker.embedded import EmbeddedBroker, ServeError, broker_socket_path
from worker.pool import REPO_ROOT


def test_a_second_broker_on_one_data_dir_refuses_and_the_first_keeps_answering(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path)
    first = EmbeddedBroker(settings).start()
    try:
        with pytest.raises(
            ServeError, match=rf"another running `betalab serve` \(pid {os.getpid()}\)"
        ):
            EmbeddedBroker(settings).start()
        assert first.ping() and broker_socket_path(settings).exists()  # its socket untouched
    finally:
        first.stop()
    again = EmbeddedBroker(settings).start()  # stopping freed the directory
    again.stop()


def test_a_broker_orphaned_by_a_killed_serve_is_shut_down_not_doubled(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    orphan = EmbeddedBroker(settings).start()
    orphan._release()  # as if its serve had been SIGKILLed: the lock is gone, redis lives on
    assert orphan.process is not None and orphan.process.poll() is None
    fresh = EmbeddedBroker(settings).start()
    try:
        assert orphan.process.wait(timeout=15) == 0  # shut down cleanly, AOF flushed
        assert fresh.ping()
    finally:
        fresh.stop()


def test_serve_on_a_busy_port_exits_with_the_reason_before_starting_anything(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BETALAB_")}
    env.update(PYTHONPATH=str(REPO_ROOT), BETALAB_DATA_DIR=str(tmp_path), BETALAB_PORT=str(port))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        done = subprocess.run(
            [sys.executable, "-m", "betalab_cli.main", "serve"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"127.0.0.1:{port} is already in use" in done.stderr
    assert "BETALAB_PORT" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "broker").exists()  # no broker, no worker was started


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by init) counts as gone
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ")[-1][:1] != "Z"


def test_a_killed_serve_takes_its_workers_along_and_the_next_serve_starts_cleanly(
    tmp_path: Path, data_cache_dir: Path
) -> None:
    """SIGKILL (OOM killer, kill -9) gives serve no chance to stop anything: its workers, in
    their own sessions, get SIGTERM from the kernel, and the broker it leaves is shut down by the
    next serve, which then works."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BETALAB_")}
    env.update(
        PYTHONPATH=str(REPO_ROOT),
        BETALAB_DATA_DIR=str(tmp_path / "d"),
        BETALAB_PORT=str(port),
        BETALAB_CACHE_DIR=str(data_cache_dir),
        BETALAB_TORCH_THREADS="1",
    )
    base = f"http://127.0.0.1:{port}"
    first = betalab_cli(["serve"], env, tmp_path / "serve1.log")
    try:
        wait_for(lambda: _healthy(base), timeout=60, what="the first service")
        workers = wait_for(
            lambda: [int(p) for p in re.findall(r"started worker cpu0 \(pid (\d+)\)", first.log())],
            timeout=30,
            what="the worker's pid in the log",
        )
        wait_for(
            lambda: "cpu0@" in first.log() and " ready." in first.log(), timeout=60, what="ready"
        )
        assert first.proc is not None
        first.proc.kill()  # SIGKILL to serve alone, not its process group
        first.proc.wait(timeout=10)
        wait_for(lambda: not any(_alive(p) for p in workers), timeout=60, what="workers to exit")
    finally:
        first.stop(timeout=5)
    second = betalab_cli(["serve"], env, tmp_path / "serve2.log")
    try:
        wait_for(lambda: _healthy(base), timeout=60, what="the second service")
        assert "orphaned embedded broker" in second.log()
        assert httpx.get(f"{base}/readyz", timeout=10).status_code == 200  # broker answers
    finally:
        assert second.stop(timeout=40) is not None
