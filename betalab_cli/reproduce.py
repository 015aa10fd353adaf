"""`betalab reproduce`: submit the paper's grid, watch it, and draw its figure with trend tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import typer
from betalab_client import Client
from betalab_client.api.experiments import get_experiment
from betalab_client.models import CurvePublic, ExperimentDetail, FindingsPublic
from rich.console import Console

from betalab_cli.client import (
    fetch_curve,
    fetch_findings,
    findings_markdown,
    findings_table,
    finish,
    submit_spec,
    watch_experiment,
    write_curve_csv,
)
from betalab_cli.connection import (
    ApiKeyOption,
    CliError,
    ExitCode,
    ServerOption,
    expect,
    make_client,
    reaching,
    report_errors,
)
from betalab_cli.presets import FIGURE_GRIDS, FIGURE_METRIC, GRID_PRESETS, figure_spec

CHANCE = {"beta_vae_change_one": 0.25}
EMBEDDED_START_TIMEOUT_S = 180.0


def _num(value: Any, digits: int = 4) -> str:
    return f"{value:.{digits}f}" if isinstance(value, float | int) else "–"


def _fraction(value: Any) -> float | None:
    return float(value) if isinstance(value, float | int) else None


def _fraction_cell(value: Any) -> str:
    """A label fraction in a markdown table; – where the dataset has none."""
    fraction = _fraction(value)
    return "–" if fraction is None else f"{fraction:g}"


def _series(curve: CurvePublic) -> dict[str, dict[float | None, list[Any]]]:
    """Points with a mean, grouped by model type then label fraction, sorted by beta."""
    panels: dict[str, dict[float | None, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for point in curve.points:
        if _fraction(point.mean) is not None:
            panels[point.model_type][_fraction(point.label_fraction)].append(point)
    for lines in panels.values():
        for points in lines.values():
            points.sort(key=lambda p: p.beta)
    return panels


def draw_figure(curve: CurvePublic, figure: int, model_types: list[str], title: str) -> bytes:
    """Figure 1: a panel per model type; Figure 2: a panel per arch, a line per label fraction."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    panels = _series(curve)
    rho = {(t.model_type, _fraction(t.label_fraction)): t.spearman_rho for t in curve.trend}
    ncols = 2 if len(model_types) > 1 else 1
    nrows = (len(model_types) + ncols - 1) // ncols
    fig = Figure(figsize=(4.6 * ncols, 3.6 * nrows), dpi=110)
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True).ravel()
    for ax, model_type in zip(axes, model_types, strict=False):
        lines = panels.get(model_type, {})
        for fraction in sorted(lines, key=lambda f: f or 0.0):
            points = lines[fraction]
            ax.errorbar(
                [p.beta for p in points],
                [p.mean for p in points],
                yerr=[_fraction(p.std) or 0.0 for p in points],
                marker="o",
                markersize=3,
                capsize=3,
                linewidth=1,
                label=None if fraction is None else f"{fraction:.0%} of labels",
            )
        name = model_type
        if figure == 1 and isinstance(rho.get((model_type, None)), float):
            name += f" (ρ = {rho[(model_type, None)]:.2f})"
        ax.set_title(name)
        ax.set_xlabel("β")
        ax.grid(alpha=0.3)
        if curve.metric in CHANCE:
            ax.axhline(CHANCE[curve.metric], color="grey", linestyle="--", linewidth=0.8)
        if figure == 2 and lines:
            ax.legend(fontsize=7)
    for ax in axes[len(model_types) :]:
        ax.set_visible(False)
    for row in range(nrows):
        axes[row * ncols].set_ylabel(curve.metric)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def markdown_report(
    curve: CurvePublic,
    spec: dict[str, Any],
    experiment_id: str,
    found: FindingsPublic | None = None,
) -> str:
    """The findings' verdicts, the trend tests (Spearman rho, p per model type) and mean ± std
    per beta, as markdown."""
    lines = [
        f"# {spec['name']}: {curve.metric} against β",
        "",
        f"Experiment `{experiment_id}`, dataset {spec['dataset']}, "
        f"training preset {spec['training']['preset']}.",
        "",
    ]
    if found is not None:
        lines += [
            f"## The paper's findings (computed by the service, α = {found.alpha:g})",
            "",
            findings_markdown(found),
        ]
    lines += [
        "## Trend with β (Spearman rank correlation)",
        "",
        "| model type | label fraction | Spearman ρ | p |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {t.model_type} | {_fraction_cell(t.label_fraction)} "
        f"| {_num(t.spearman_rho, 3)} | {_num(t.p_value, 4)} |"
        for t in curve.trend
    ]
    lines += [
        "",
        "## Mean ± std over seeds",
        "",
        "| model type | label fraction | β | mean ± std | n |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {p.model_type} | {_fraction_cell(p.label_fraction)} | {p.beta:g} "
        f"| {_num(p.mean)} ± {_num(p.std)} | {p.n} |"
        for p in curve.points
    ]
    return "\n".join(lines) + "\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def embedded_server(console: Console) -> Iterator[tuple[str, str]]:
    """Run `betalab serve` (embedded broker, one CPU worker) on a free port; (url, API key)."""
    from persistence.db import session_scope
    from persistence.keys import create_api_key
    from persistence.settings import Settings

    port = _free_port()
    env = {**os.environ, "BETALAB_HOST": "127.0.0.1", "BETALAB_PORT": str(port)}
    settings = Settings(host="127.0.0.1", port=port)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    log_path = settings.data_dir / "reproduce-server.log"
    url = f"http://127.0.0.1:{port}"
    console.print(f"starting an embedded server at {url} (log: {log_path})")
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "betalab_cli.main", "serve", "--cpu", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + EMBEDDED_START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise CliError(
                    ExitCode.UNREACHABLE,
                    f"the embedded server exited with {process.returncode}; see {log_path}",
                )
            try:
                if httpx.get(f"{url}/readyz", timeout=2.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise CliError(
                    ExitCode.UNREACHABLE, f"the embedded server did not start; see {log_path}"
                )
            time.sleep(0.5)
        with session_scope(settings.database_url_effective) as session:
            key = create_api_key(session=session, name="reproduce --embedded")
        yield url, key
    finally:
        # SIGINT, not SIGTERM: uvicorn re-raises SIGTERM after shutdown, which would end the
        # server before it stops its workers and broker.
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


STATE_FILE = "experiment.json"


def _existing(client: Client, server: str, experiment_id: str) -> ExperimentDetail | None:
    """The experiment on `server`, or None when the server does not have it."""
    with reaching(server):
        response = get_experiment.sync_detailed(experiment_id, client=client)
    if int(response.status_code) == 404:
        return None
    parsed = expect(response).parsed
    assert isinstance(parsed, ExperimentDetail)
    return parsed


def attach_or_submit(
    client: Client, server: str, spec: dict[str, Any], out: Path, console: Console
) -> str:
    """The experiment an earlier `reproduce` into `out` started with this very spec, if the server
    still has it; else a newly submitted one, remembered in `out/experiment.json`."""
    state_path = out / STATE_FILE
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = None
    if isinstance(state, dict) and state.get("spec") == spec:
        detail = _existing(client, server, str(state.get("experiment_id")))
        if detail is not None:
            console.print(
                f"experiment {detail.id}: {detail.run_count} runs ({spec['name']}), "
                f"re-attached: started by an earlier `reproduce` into {out}"
            )
            return detail.id
        console.print(f"the experiment in {state_path} is not on this server; submitting anew")
    created = submit_spec(client, server, spec)
    console.print(f"experiment {created.id}: {created.run_count} runs ({spec['name']})")
    out.mkdir(parents=True, exist_ok=True)
    partial = state_path.with_suffix(".tmp")
    partial.write_text(json.dumps({"experiment_id": created.id, "spec": spec}), encoding="utf-8")
    partial.replace(state_path)
    return created.id


def run_reproduction(
    *,
    figure: int,
    grid: str,
    preset: str,
    server: str,
    api_key: str | None,
    out: Path,
    interval: float,
    console: Console,
) -> None:
    """Submit (or re-attach), watch, then write figureN.png, .md (findings and trends) and .csv."""
    spec = figure_spec(figure, grid, preset)
    client = make_client(server, api_key)
    experiment_id = attach_or_submit(client, server, spec, out, console)
    detail, runs = watch_experiment(
        client, server, experiment_id, interval=interval, console=console
    )
    curve = fetch_curve(client, server, experiment_id, FIGURE_METRIC[figure])
    found = fetch_findings(client, server, experiment_id)
    stem = out / f"figure{figure}"
    title = f"Figure {figure} ({grid} grid, {preset}): {curve.metric} against β, mean ± std"
    stem.with_suffix(".png").write_bytes(draw_figure(curve, figure, spec["model_types"], title))
    report = markdown_report(curve, spec, experiment_id, found)
    stem.with_suffix(".md").write_text(report, encoding="utf-8")
    write_curve_csv(curve, stem.with_suffix(".csv"))
    console.print(findings_table(found))
    console.print(f"wrote {stem}.png, {stem}.md and {stem}.csv")
    finish(detail, runs, console)


@report_errors
def reproduce(
    figure: int = typer.Option(..., min=1, max=2, help="1: shapes disentanglement; 2: MNIST SVM"),
    grid: str = typer.Option(
        "small", help="tiny: 2-4 runs; small: the paper's axes, fewer points; paper: all of it"
    ),
    preset: str = typer.Option(
        "calibrated", help="training preset: smoke, quick, calibrated (about 1 h a figure) or paper"
    ),
    out: Path | None = typer.Option(None, help="output folder [default: reproduce-figureN]"),
    embedded: bool = typer.Option(
        False, "--embedded", help="start a local server with one CPU worker instead of --server"
    ),
    interval: float = typer.Option(2.0, min=0.1, help="seconds between progress polls"),
    server: str = ServerOption,
    api_key: str | None = ApiKeyOption,
) -> None:
    """Run the paper's Figure 1 or 2 grid; write the figure, the findings' verdicts, the trend
    tests and the points. Run again into the same --out, it re-attaches to its experiment."""
    if preset not in GRID_PRESETS:
        raise CliError(
            ExitCode.USAGE, f"unknown preset {preset!r}; choose from {list(GRID_PRESETS)}"
        )
    if grid not in FIGURE_GRIDS:
        raise CliError(ExitCode.USAGE, f"unknown grid {grid!r}; choose from {list(FIGURE_GRIDS)}")
    console = Console()
    out = out or Path(f"reproduce-figure{figure}")
    options = dict(
        figure=figure, grid=grid, preset=preset, out=out, interval=interval, console=console
    )
    if embedded:
        with embedded_server(console) as (url, key):
            run_reproduction(server=url, api_key=key, **options)  # type: ignore[arg-type]
    else:
        run_reproduction(server=server, api_key=api_key, **options)  # type: ignore[arg-type]


def register(app: typer.Typer) -> None:
    """Add `reproduce` to the `betalab` app."""
    app.command()(reproduce)
