"""`betalab serve`: migrate the database, start the broker (embedded unless configured), the
workers or the sweeper, and the API in this process; stop them in reverse order.

This is the one place that puts the API and the worker side together, which is why it lives
beside the CLI rather than in either of them.
"""

from __future__ import annotations

import contextlib
import signal
import socket
from collections.abc import Iterator

from persistence.settings import Settings
from worker.embedded import EmbeddedBroker, ServeError

__all__ = ["ServeError", "check_port_free", "serve"]


def check_port_free(host: str, port: int) -> None:
    """Raise ServeError when the API's address is taken (bound as uvicorn binds it), before a
    broker or a worker is started for a service that could not answer anyway."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise ServeError(f"cannot resolve BETALAB_HOST {host!r}: {exc.strerror}") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise ServeError(
                f"{host}:{port} is already in use ({exc.strerror}): is another `betalab serve` "
                "running? Stop it, or give this one another BETALAB_PORT"
            ) from None


def _uvicorn_server_class() -> type:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn re-raises SIGTERM after shutdown, which would skip our cleanup; we don't."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            previous = {
                sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)
            }
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    return Server


def serve(settings: Settings, *, gpus: list[int] | None = None, cpu: int | None = 1) -> None:
    """Run the API with a migrated database, the broker (embedded unless configured) and workers."""
    import uvicorn

    from api.main import create_app
    from persistence.migrate import upgrade
    from worker.pool import start_pool
    from worker.sweeper import PeriodicSweeper

    server_class = _uvicorn_server_class()
    check_port_free(settings.host, settings.port)  # before anything starts that would need undoing
    upgrade(settings.database_url_effective)
    broker = None
    if not settings.broker_url:
        broker = EmbeddedBroker(settings).start()
    pool = None
    sweeper = None
    try:
        # The pool parent sweeps too; this process sweeps only when it runs no workers.
        if gpus or cpu:
            pool = start_pool(gpus, cpu, settings)
        else:
            sweeper = PeriodicSweeper(settings).start()
        config = uvicorn.Config(create_app(settings), host=settings.host, port=settings.port)
        server_class(config).run()
    finally:
        if sweeper is not None:
            sweeper.stop()
        if pool is not None:
            pool.stop(grace_s=10.0)
        if broker is not None:
            broker.stop()
