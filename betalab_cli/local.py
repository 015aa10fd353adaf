"""Local commands (no server needed): `betalab keys create` and `betalab dataset build`."""

from __future__ import annotations

import typer

keys_app = typer.Typer(help="API keys, made directly in the configured database.")
dataset_app = typer.Typer(help="Datasets, built into the local cache.")


@keys_app.command("create")
def keys_create(
    name: str = typer.Option(..., help="what the key is for, e.g. a person or a machine"),
) -> None:
    """Make a new API key and print it once (only its hash is stored)."""
    from persistence.db import session_scope
    from persistence.keys import create_api_key
    from persistence.migrate import upgrade
    from persistence.settings import get_settings

    name = name.strip()
    if not name or len(name) > 100:
        typer.echo("error: --name must have 1 to 100 characters", err=True)
        raise typer.Exit(2)
    url = get_settings().database_url_effective
    upgrade(url)
    with session_scope(url) as session:
        token = create_api_key(session=session, name=name)
    typer.echo(token)
    typer.echo(f"key {name!r} created; it is shown only this once", err=True)


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
