"""A worker process's life: it dies with its supervisor, preloads the datasets before forking,
opens its own database connections in each child, and sweeps once when it is ready.

Celery signal handlers only; `worker.celery_app` includes this module beside `worker.tasks`.
Nothing here imports torch at module level, so the supervisor (which shares the constant) does
not load it.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import threading
from typing import Any

from celery.signals import worker_init, worker_process_init, worker_ready

from persistence.db import forget_engines_after_fork
from persistence.settings import get_settings

logger = logging.getLogger(__name__)

SUPERVISOR_PID_ENV = "BETALAB_SUPERVISOR_PID"
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


@worker_init.connect
def _die_with_the_supervisor(**_: Any) -> None:
    """A worker started by a pool (`betalab serve` / `betalab worker`) gets SIGTERM (a warm
    shutdown: the current task finishes) when that pool's process dies, however it dies. Without
    this a SIGKILLed or OOM-killed pool leaves its workers running in their own sessions, and they
    join whatever broker the next pool starts on the same socket. Linux only (prctl)."""
    supervisor = os.environ.get(SUPERVISOR_PID_ENV)
    if not supervisor or not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        logger.warning("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
        return
    if os.getppid() != int(supervisor):  # it died before the request took effect
        logger.warning("supervisor %s is gone; shutting down", supervisor)
        os.kill(os.getpid(), signal.SIGTERM)


@worker_init.connect
def _preload_datasets(**_: Any) -> None:
    """Load the datasets once in the worker's main process: every forked child inherits them.

    With `worker_max_tasks_per_child=1` each task runs in a fresh child; without this each one
    would read and verify its dataset again. Nothing here touches CUDA.
    """
    from worker.inputs import dataset_for  # torch: the worker's process only

    settings = get_settings()
    for name in ("shapes", "mnist"):
        try:
            dataset_for(name, settings)
        except Exception as exc:  # a missing MNIST is the task's error to report, not the worker's
            logger.warning("could not preload the %s dataset: %s", name, exc)


@worker_process_init.connect
def _fresh_database_pools(**_: Any) -> None:
    """A forked child opens its own database connections."""
    forget_engines_after_fork()


@worker_ready.connect
def _sweep_on_start(**_: Any) -> None:
    """A starting worker re-sends runs lost while no worker was up (in the background)."""
    from worker.sweeper import sweep

    def _run() -> None:
        try:
            sweep(get_settings())
        except Exception as exc:  # the periodic sweeper will try again
            logger.warning("sweep at worker start failed: %s", exc)

    threading.Thread(target=_run, name="sweep-on-start", daemon=True).start()
