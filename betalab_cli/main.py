"""The `betalab` command: run the service (`serve`, `worker`) and manage the database."""

from __future__ import annotations

import logging

import typer

from betalab_cli import client, local, reproduce
from betalab_cli.connection import EXIT_CODES_HELP, ExitCode

app = typer.Typer(
    help="betalab: train beta-VAE grids, score them, serve the results. " + EXIT_CODES_HELP
)
db_app = typer.Typer(help="Database maintenance.")
app.add_typer(db_app, name="db")
app.add_typer(local.keys_app, name="keys")
app.add_typer(local.dataset_app, name="dataset")
client.register(app)
reproduce.register(app)


def _parse_gpus(value: str | None) -> list[int] | None:
    if value is None:
        return None
    try:
        return [int(part) for part in value.split(",") if part.strip()]
    except ValueError as exc:
        raise typer.BadParameter("expected comma-separated GPU indices, e.g. 0,1") from exc


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")


@app.command()
def serve(
    gpus: str | None = typer.Option(None, help="GPU indices for workers, e.g. 0,1"),
    cpu: int = typer.Option(1, min=0, help="CPU workers when no --gpus (0: API only)"),
    external: bool = typer.Option(
        False,
        "--external",
        help="API only, on the configured BETALAB_DATABASE_URL and BETALAB_BROKER_URL: "
        "no embedded broker, no workers (they run as `betalab worker` elsewhere)",
    ),
) -> None:
    """Run the API, the database migrations, the broker (embedded unless configured) and workers."""
    from betalab_cli.serve import ServeError
    from betalab_cli.serve import serve as run_serve
    from persistence.settings import get_settings

    _logging()
    settings = get_settings()
    gpu_list = _parse_gpus(gpus)
    if external:
        if not settings.broker_url or not settings.database_url:
            raise typer.BadParameter(
                "--external needs BETALAB_DATABASE_URL and BETALAB_BROKER_URL",
                param_hint="--external",
            )
        gpu_list, cpu = None, 0
    try:
        run_serve(settings, gpus=gpu_list, cpu=None if gpu_list else cpu)
    except ServeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(int(ExitCode.USAGE)) from None


@app.command()
def worker(
    gpus: str | None = typer.Option(None, help="one worker per GPU index, e.g. 0,1"),
    cpu: int | None = typer.Option(None, min=1, help="number of CPU workers"),
) -> None:
    """Run supervised Celery workers: one per GPU, or N on the CPU (default: all GPUs, else 1)."""
    from persistence.settings import get_settings
    from worker.pool import detect_gpus, run_pool

    _logging()
    gpu_list = _parse_gpus(gpus)
    if gpu_list is None and cpu is None:
        gpu_list = detect_gpus() or None
    run_pool(gpu_list, cpu, get_settings())


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the configured database to the latest schema."""
    from persistence.migrate import upgrade
    from persistence.settings import get_settings

    settings = get_settings()
    upgrade(settings.database_url_effective)
    typer.echo(f"database at head: {settings.database_url_effective}")


if __name__ == "__main__":
    app()
