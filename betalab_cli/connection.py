"""Talking to a betalab server through the generated SDK: options, clients, errors, exit codes."""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

import httpx
import typer
from betalab_client import AuthenticatedClient, Client
from betalab_client.types import Response

DEFAULT_SERVER = "http://127.0.0.1:8000"

P = ParamSpec("P")
T = TypeVar("T")


class ExitCode(enum.IntEnum):
    """The `betalab` exit codes (also listed in `betalab --help`)."""

    OK = 0
    RUNS_FAILED = 1
    USAGE = 2  # bad arguments, bad spec, unknown experiment, over a quota or size limit
    UNREACHABLE = 3
    AUTH = 4  # no key, a bad or revoked one, or one not allowed to do this
    SERVER_ERROR = 5


EXIT_CODES_HELP = (
    "Exit codes: 0 ok; 1 runs failed or were cancelled; 2 usage error, bad spec or over a "
    "limit; 3 server unreachable; 4 missing or bad API key, or one not allowed to do this; "
    "5 unexpected server error."
)


class CliError(Exception):
    """A failure reported as one line on stderr and the given exit code."""

    def __init__(self, code: ExitCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


ServerOption = typer.Option(
    DEFAULT_SERVER, "--server", envvar="BETALAB_SERVER", help="base URL of the betalab API"
)
ApiKeyOption = typer.Option(
    None,
    "--api-key",
    envvar="BETALAB_API_KEY",
    help="API key (from `betalab keys create`); env BETALAB_API_KEY",
    show_default=False,
)


def make_client(server: str, api_key: str | None, timeout_s: float = 30.0) -> Client:
    """An SDK client for `server`, sending `api_key` as a bearer token when given."""
    base = server.rstrip("/")
    timeout = httpx.Timeout(timeout_s, connect=5.0)
    if api_key:
        return AuthenticatedClient(base_url=base, token=api_key, timeout=timeout)
    return Client(base_url=base, timeout=timeout)


def _field_path(loc: list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _detail(response: Response[Any]) -> Any:
    try:
        import json

        return json.loads(response.content).get("detail")
    except (ValueError, AttributeError):
        return response.content.decode("utf-8", "replace")[:200]


def error_for(response: Response[Any]) -> CliError:
    """The CliError matching an unsuccessful HTTP response."""
    status = int(response.status_code)
    detail = _detail(response)
    if status == 401:
        return CliError(
            ExitCode.AUTH,
            f"authentication failed ({status}): {detail} (use --api-key or BETALAB_API_KEY)",
        )
    if status == 403:
        return CliError(ExitCode.AUTH, f"not allowed ({status}): {detail}")
    if status in (413, 429):
        return CliError(ExitCode.USAGE, f"refused ({status}): {detail}")
    if status == 422 and isinstance(detail, list):
        fields = "; ".join(
            f"{_field_path(e.get('loc', []))}: {e.get('msg', '')}"
            for e in detail
            if isinstance(e, dict)
        )
        return CliError(ExitCode.USAGE, f"rejected by the server: {fields}")
    if status in (404, 409, 422):
        return CliError(ExitCode.USAGE, f"{detail}")
    return CliError(ExitCode.SERVER_ERROR, f"server error {status}: {detail}")


def expect(response: Response[T], *ok: int) -> Response[T]:
    """`response` when its status is one of `ok` (default 200), else raise its CliError."""
    if int(response.status_code) not in (ok or (200,)):
        raise error_for(response)
    return response


@contextmanager
def reaching(server: str) -> Iterator[None]:
    """Turn network failures while talking to `server` into exit code 3."""
    try:
        yield
    except (httpx.TransportError, OSError) as exc:
        reason = str(exc) or type(exc).__name__
        raise CliError(
            ExitCode.UNREACHABLE, f"cannot reach betalab server at {server}: {reason}"
        ) from exc


def report_errors(func: Callable[P, T]) -> Callable[P, T]:
    """Print a CliError as one line on stderr and exit with its code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return func(*args, **kwargs)
        except CliError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(int(exc.code)) from None
        except KeyboardInterrupt:
            typer.echo("interrupted; the server keeps running the experiment", err=True)
            raise typer.Exit(130) from None

    return wrapper
