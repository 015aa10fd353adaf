"""A supervised pool of Celery worker processes: one per GPU, or N on the CPU.

The parent never imports torch, so CUDA is only ever initialised inside a worker whose
CUDA_VISIBLE_DEVICES names exactly one GPU. Crashed workers are restarted; SIGTERM is forwarded.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from persistence.settings import Settings
from worker.celery_app import EVAL_QUEUE, TRAIN_QUEUE
from worker.lifecycle import SUPERVISOR_PID_ENV
from worker.sweeper import PeriodicSweeper

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent


def settings_env(settings: Settings) -> dict[str, str]:
    """BETALAB_* variables that make a child process read the same settings."""
    env: dict[str, str] = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        env[f"BETALAB_{name.upper()}"] = str(value)
    return env


def detect_gpus() -> list[int]:
    """GPU indices from nvidia-smi (no torch import here); empty when there is none."""
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=index", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [int(line) for line in out.split() if line.strip().isdigit()]


@dataclass
class WorkerSpec:
    """One worker process: its Celery node name and its extra environment."""

    name: str
    env: dict[str, str]
    queues: str = f"{TRAIN_QUEUE},{EVAL_QUEUE}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "worker.celery_app:celery_app",
            "worker",
            "-Q",
            self.queues,
            "--concurrency",
            "1",
            "-n",
            f"{self.name}@%h",
            "--loglevel",
            "INFO",
            # No gossip/mingle/event heartbeats: the database is where liveness is tracked.
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]


def worker_specs(gpus: list[int] | None, cpu: int | None, settings: Settings) -> list[WorkerSpec]:
    """One spec per GPU, or `cpu` CPU workers (threads split between them unless configured)."""
    if gpus:
        return [WorkerSpec(f"gpu{i}", {"CUDA_VISIBLE_DEVICES": str(i)}) for i in gpus]
    n = max(1, cpu or 1)
    env = {"CUDA_VISIBLE_DEVICES": ""}
    if settings.torch_threads == 0:
        env["BETALAB_TORCH_THREADS"] = str(max(1, (os.cpu_count() or 1) // n))
    return [WorkerSpec(f"cpu{i}", dict(env)) for i in range(n)]


@dataclass
class _Child:
    spec: WorkerSpec
    process: subprocess.Popen | None = None
    starts: list[float] = field(default_factory=list)


class WorkerPool:
    """Starts the worker processes, restarts crashed ones, and stops them on request."""

    def __init__(
        self,
        specs: list[WorkerSpec],
        settings: Settings,
        *,
        sweep: bool = True,
        log_dir: Path | None = None,
    ) -> None:
        self.settings = settings
        self.children = [_Child(s) for s in specs]
        self.log_dir = log_dir
        self._stopping = threading.Event()
        self._sweeper = PeriodicSweeper(settings) if sweep else None
        self._supervisor = threading.Thread(target=self._supervise, name="pool", daemon=True)
        self._base_env = {**os.environ, **settings_env(settings)}

    def _spawn(self, child: _Child) -> None:
        # the worker asks the kernel to SIGTERM it when this process dies (worker.lifecycle)
        env = {**self._base_env, **child.spec.env, SUPERVISOR_PID_ENV: str(os.getpid())}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        out = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = open(self.log_dir / f"{child.spec.name}.log", "ab")  # noqa: SIM115
        # Own session: a terminal's Ctrl-C reaches only the parent, which forwards it.
        child.process = subprocess.Popen(
            child.spec.command(),
            env=env,
            cwd=str(REPO_ROOT),
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            start_new_session=True,
        )
        if out is not None:
            out.close()
        child.starts.append(time.monotonic())
        logger.info("started worker %s (pid %d)", child.spec.name, child.process.pid)

    def start(self) -> WorkerPool:
        for child in self.children:
            self._spawn(child)
        self._supervisor.start()
        if self._sweeper is not None:
            self._sweeper.start()
        return self

    def _supervise(self) -> None:
        while not self._stopping.wait(1.0):
            for child in self.children:
                proc = child.process
                if proc is None or proc.poll() is None or self._stopping.is_set():
                    continue
                recent = [t for t in child.starts if time.monotonic() - t < 60]
                delay = min(30.0, 2.0 ** max(0, len(recent) - 1))  # back off a crash loop
                logger.warning(
                    "worker %s exited with %s; restarting in %.0f s",
                    child.spec.name,
                    proc.returncode,
                    delay,
                )
                if self._stopping.wait(delay):
                    return
                self._spawn(child)

    def pids(self) -> list[int]:
        return [c.process.pid for c in self.children if c.process is not None]

    def stop(self, grace_s: float = 30.0) -> None:
        """SIGTERM every worker (warm shutdown), then SIGKILL their process groups after `grace_s`.

        A killed run is not lost: its heartbeat goes stale and the sweeper sends it again.
        """
        self._stopping.set()
        if self._sweeper is not None:
            self._sweeper.stop()
        live = [c.process for c in self.children if c.process and c.process.poll() is None]
        for proc in live:
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for proc in live:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait(timeout=10)
        self._supervisor.join(timeout=5)


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def start_pool(gpus: list[int] | None, cpu: int | None, settings: Settings) -> WorkerPool:
    """Start and supervise the workers (and a periodic sweeper); returns the running pool."""
    return WorkerPool(worker_specs(gpus, cpu, settings), settings).start()


def run_pool(gpus: list[int] | None, cpu: int | None, settings: Settings) -> None:
    """`betalab worker`: run the pool until SIGTERM or SIGINT, then stop the workers."""
    pool = start_pool(gpus, cpu, settings)
    stop = threading.Event()

    def _on_signal(signum: int, _frame: object) -> None:
        logger.info("signal %d: stopping workers", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    while not stop.wait(1.0):
        pass
    pool.stop()
