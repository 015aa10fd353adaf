"""The documented download fallback, against mirrors served on this machine (never the network)."""

from __future__ import annotations

import functools
import gzip
import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from vae_core.data import mnist as mnist_module
from vae_core.data.mnist import FILE_NAMES, MnistError, load_mnist


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a directory; remembers the paths asked for, logs nothing."""

    requested: list[str]

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:
        self.requested.append(self.path)
        super().do_GET()


@pytest.fixture
def serve() -> Iterator:
    """serve(directory) -> (base URL ending in '/', list of requested paths); stopped after."""
    servers = []

    def start(directory: Path) -> tuple[str, list[str]]:
        requested: list[str] = []
        handler = functools.partial(
            type("Handler", (_QuietHandler,), {"requested": requested}), directory=str(directory)
        )
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/", requested

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _refused_url() -> str:
    """A local URL nothing listens on (connection refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def test_missing_files_download_from_the_next_mirror_and_are_kept(
    serve, mnist_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, requested = serve(mnist_dir)
    monkeypatch.setattr(mnist_module, "MIRRORS", (_refused_url(), url))
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    cache = tmp_path / "cache"

    splits = load_mnist(empty, cache_dir=cache, bundled_dir=None)

    assert sorted(requested) == sorted(f"/{name}.gz" for name in FILE_NAMES)
    for name in FILE_NAMES:  # stored whole, byte for byte what the mirror served
        assert (cache / "mnist" / f"{name}.gz").read_bytes() == (
            mnist_dir / f"{name}.gz"
        ).read_bytes()
    assert not list((cache / "mnist").glob(".*.tmp"))
    assert (len(splits.train), len(splits.validation), len(splits.test)) == (55_000, 5_000, 10_000)
    reference = load_mnist(mnist_dir, cache_dir=tmp_path / "other", allow_download=False)
    assert np.array_equal(splits.test.data, reference.test.data)
    # a second load finds the cached files and asks no mirror
    again = load_mnist(empty, cache_dir=cache, bundled_dir=None)
    assert len(requested) == len(FILE_NAMES)
    assert again.content_sha256 == splits.content_sha256


def test_a_mirror_with_wrong_content_is_refused_and_nothing_is_stored(
    serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = tmp_path / "wrong-mirror"
    wrong.mkdir()
    for name in FILE_NAMES:  # well-formed gzip, wrong bytes
        (wrong / f"{name}.gz").write_bytes(gzip.compress(b"\0\0\x08\x01\0\0\0\x01\x07"))
    url, requested = serve(wrong)
    dead = _refused_url()
    monkeypatch.setattr(mnist_module, "MIRRORS", (dead, url))
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    cache = tmp_path / "cache"

    with pytest.raises(MnistError) as err:
        load_mnist(empty, cache_dir=cache, bundled_dir=None)

    message = str(err.value)
    assert f"{url}{FILE_NAMES[0]}.gz: checksum mismatch" in message
    assert f"{dead}{FILE_NAMES[0]}.gz" in message  # why the first mirror failed, too
    assert "BETALAB_MNIST_DIR" in message  # and where to put the files by hand
    assert requested == [f"/{FILE_NAMES[0]}.gz"]  # stops at the first file it cannot get
    assert not (cache / "mnist").exists() or not any((cache / "mnist").iterdir())
