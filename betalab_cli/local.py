"""Local commands (no server needed): `betalab keys create | list | revoke` and
`betalab dataset build`."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.console import Console
from rich.table import Table

from betalab_cli.connection import ExitCode
from persistence.models import KeyScope

keys_app = typer.Typer(help="API keys, kept directly in the configured database.")
dataset_app = typer.Typer(help="Datasets, built into the local cache.")


def _migrated_url() -> str:
    """The configured database's URL, brought to the latest schema first."""
    from persistence.migrate import upgrade
    from persistence.settings import get_settings

    url = get_settings().database_url_effective
    upgrade(url)
    return url


def _when(moment: datetime | None) -> str:
    return "never" if moment is None else moment.strftime("%Y-%m-%d %H:%M")


@keys_app.command("create")
def keys_create(
    name: str = typer.Option(..., help="what the key is for, e.g. a person or a machine"),
    scope: KeyScope = typer.Option(
        KeyScope.write,
        help="read: GET only; write: also create experiments and cancel or delete its own; "
        "admin: also cancel or delete anyone's",
    ),
) -> None:
    """Make a new API key and print it once (only its hash is stored)."""
    from persistence.db import session_scope
    from persistence.keys import create_api_key

    name = name.strip()
    if not name or len(name) > 100:
        typer.echo("error: --name must have 1 to 100 characters", err=True)
        raise typer.Exit(int(ExitCode.USAGE))
    with session_scope(_migrated_url()) as session:
        token = create_api_key(session=session, name=name, scope=scope)
    typer.echo(token)
    typer.echo(f"{scope.value} key {name!r} created; it is shown only this once", err=True)


@keys_app.command("list")
def keys_list() -> None:
    """Every API key with its scope and use, revoked ones included (never the keys themselves)."""
    from persistence.db import session_scope
    from persistence.keys import list_api_keys

    table = Table()
    for column in ("id", "name", "prefix", "scope", "created", "last used", "revoked"):
        table.add_column(column, no_wrap=column != "name")  # only names wrap on a narrow terminal
    with session_scope(_migrated_url()) as session:
        for key in list_api_keys(session=session):
            table.add_row(
                str(key.id),
                key.name,
                key.prefix,
                key.scope.value,
                _when(key.created_at),
                _when(key.last_used_at),
                "yes" if key.revoked else "no",
            )
    Console().print(table)


@keys_app.command("revoke")
def keys_revoke(
    key: str = typer.Argument(..., help="the key's id, or its prefix (from `betalab keys list`)"),
) -> None:
    """Revoke an API key: the API refuses it from its next request on."""
    from persistence.db import session_scope
    from persistence.keys import KeyLookupError, find_api_key, revoke_api_key

    with session_scope(_migrated_url()) as session:
        try:
            found = find_api_key(session=session, ref=key)
        except KeyLookupError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(int(ExitCode.USAGE)) from None
        already = found.revoked
        revoke_api_key(session=session, key_id=found.id)
        label = f"key {found.id} ({found.prefix}, {found.name!r})"
    typer.echo(f"{label} was already revoked" if already else f"{label} revoked")


@dataset_app.command("build")
def dataset_build(
    seed: int = typer.Option(0, min=0, help="seed of the train/validation/test split"),
) -> None:
    """Render the shapes dataset with a progress bar (or load it) and print where it is cached."""
    from vae_core.data.shapes import build_dataset

    splits = build_dataset(seed=seed, progress=True)
    info = splits.info
    typer.echo(
        f"shapes: {info['unique']} unique images "
        f"(train {len(splits.train)}, validation {len(splits.validation)}, "
        f"test {len(splits.test)}), sha256 {splits.content_sha256[:16]}"
    )
    typer.echo(f"cached at {info['cache_path']}")
