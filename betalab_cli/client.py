"""`betalab submit`, `watch`, `curve`, `findings` and `tradeoff`: clients of a betalab server
through the generated SDK."""

from __future__ import annotations

import csv
import json
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import typer
from betalab_client import Client
from betalab_client.api.experiments import get_experiment, list_experiment_runs
from betalab_client.api.results import get_curve, get_curve_image, get_findings, get_tradeoff
from betalab_client.models import (
    CurvePublic,
    ExperimentCreated,
    ExperimentDetail,
    FindingsPublic,
    ResultKey,
    RunSummary,
    TradeoffPublic,
)
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from betalab_cli.connection import (
    ApiKeyOption,
    CliError,
    ExitCode,
    ServerOption,
    error_for,
    expect,
    make_client,
    reaching,
    report_errors,
)
from betalab_cli.presets import SUBMIT_PRESETS

TERMINAL = frozenset({"completed", "failed", "cancelled"})
ACTIVE = frozenset({"running", "evaluating"})
RUNS_PAGE = 1000


def load_spec(spec_file: Path | None, preset: str | None) -> dict[str, Any]:
    """The experiment spec from a JSON file or a named preset (exactly one of them)."""
    if (spec_file is None) == (preset is None):
        raise CliError(ExitCode.USAGE, "give either SPEC.json or --preset NAME (exactly one)")
    if preset is not None:
        if preset not in SUBMIT_PRESETS:
            raise CliError(
                ExitCode.USAGE, f"unknown preset {preset!r}; choose from {sorted(SUBMIT_PRESETS)}"
            )
        return json.loads(json.dumps(SUBMIT_PRESETS[preset]))
    assert spec_file is not None
    try:
        data = json.loads(spec_file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CliError(ExitCode.USAGE, f"cannot read {spec_file}: {exc.strerror}") from exc
    except ValueError as exc:
        raise CliError(ExitCode.USAGE, f"{spec_file} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise CliError(ExitCode.USAGE, f"{spec_file} must hold a JSON object")
    return data


def submit_spec(client: Client, server: str, spec: dict[str, Any]) -> ExperimentCreated:
    """POST the spec as written, so the server (the one validator) names every bad field."""
    with reaching(server):
        response = client.get_httpx_client().post("/experiments", json=spec)
    if response.status_code != 201:
        raise error_for(response)
    return ExperimentCreated.from_dict(response.json())


def fetch_state(
    client: Client, server: str, experiment_id: str
) -> tuple[ExperimentDetail, list[RunSummary]]:
    """The experiment's detail and all of its runs (paged)."""
    with reaching(server):
        detail = expect(get_experiment.sync_detailed(experiment_id, client=client)).parsed
        runs: list[RunSummary] = []
        while True:
            page = expect(
                list_experiment_runs.sync_detailed(
                    experiment_id, client=client, skip=len(runs), limit=RUNS_PAGE
                )
            ).parsed
            assert page is not None
            runs.extend(page.data)
            if not page.data or len(runs) >= page.count:
                break
    assert isinstance(detail, ExperimentDetail)
    return detail, runs


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def _run_label(run: RunSummary) -> str:
    beta = f"{run.beta:g}" if isinstance(run.beta, float | int) else "?"
    fraction = run.label_fraction
    fraction_text = f" lf={fraction:g}" if isinstance(fraction, float | int) else ""
    return f"β={beta} s{run.seed}{fraction_text}"


def _type_info(runs: list[RunSummary]) -> str:
    """Running runs with their epoch and loss, then counts of failures and cancellations."""
    parts = []
    active = [r for r in runs if r.status.value in ACTIVE]
    for run in active[:2]:
        if run.status.value == "evaluating":
            parts.append(f"{_run_label(run)} evaluating")
        else:
            loss = "" if run.current_loss is None else f" loss {run.current_loss:.4g}"
            parts.append(f"{_run_label(run)} epoch {run.epochs_done}{loss}")
    if len(active) > 2:
        parts.append(f"+{len(active) - 2} running")
    counts = Counter(r.status.value for r in runs)
    for status in ("failed", "cancelled"):
        if counts[status]:
            parts.append(f"{counts[status]} {status}")
    return " | ".join(parts)


def watch_experiment(
    client: Client, server: str, experiment_id: str, *, interval: float, console: Console
) -> tuple[ExperimentDetail, list[RunSummary]]:
    """Show live progress (one bar per model type) until the experiment ends; the final state."""
    detail, runs = fetch_state(client, server, experiment_id)
    columns = (
        TextColumn("[bold]{task.description:<16}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
    )
    with Progress(*columns, console=console, auto_refresh=False) as progress:
        overall = progress.add_task(detail.name[:16], total=detail.run_count, info="")
        bars: dict[str, Any] = {}
        while True:
            by_type: dict[str, list[RunSummary]] = defaultdict(list)
            for run in runs:
                by_type[run.model_type].append(run)
            for model_type, group in by_type.items():
                if model_type not in bars:
                    bars[model_type] = progress.add_task(model_type, total=len(group), info="")
                done = sum(r.status.value in TERMINAL for r in group)
                progress.update(bars[model_type], completed=done, info=_type_info(group))
            done = sum(r.status.value in TERMINAL for r in runs)
            status = detail.status.value
            eta = "" if status in TERMINAL else f" · ETA {_duration(detail.eta_seconds)}"
            progress.update(overall, completed=done, info=f"{status}{eta}")
            progress.refresh()
            if status in TERMINAL:
                break
            time.sleep(interval)
            detail, runs = fetch_state(client, server, experiment_id)
    return detail, runs


def finish(detail: ExperimentDetail, runs: list[RunSummary], console: Console) -> None:
    """Print the outcome; raise exit code 1 when runs failed or were cancelled."""
    counts = Counter(r.status.value for r in runs)
    console.print(
        f"experiment {detail.id} {detail.status.value}: {counts['completed']} completed, "
        f"{counts['failed']} failed, {counts['cancelled']} cancelled"
    )
    failed = [r for r in runs if r.status.value == "failed"]
    if failed:
        first = failed[0]
        raise CliError(
            ExitCode.RUNS_FAILED,
            f"{len(failed)} of {len(runs)} runs failed; first: {first.model_type} "
            f"{_run_label(first)}: {first.failure_reason or 'no reason recorded'}",
        )
    if counts["cancelled"] or detail.status.value == "cancelled":
        raise CliError(ExitCode.RUNS_FAILED, f"{counts['cancelled']} runs were cancelled")


def result_key(metric: str) -> ResultKey:
    """`metric` as the API's result key; a usage error naming the choices when it is none."""
    try:
        return ResultKey(metric)
    except ValueError:
        choices = ", ".join(k.value for k in ResultKey)
        raise CliError(
            ExitCode.USAGE, f"unknown result key {metric!r}; choose from {choices}"
        ) from None


def fetch_curve(client: Client, server: str, experiment_id: str, metric: str) -> CurvePublic:
    """The experiment's curve of `metric` (mean, std, n, CI per beta, and trends)."""
    key = result_key(metric)
    with reaching(server):
        parsed = expect(get_curve.sync_detailed(experiment_id, client=client, metric=key)).parsed
    assert isinstance(parsed, CurvePublic)
    return parsed


def fetch_findings(client: Client, server: str, experiment_id: str) -> FindingsPublic:
    """The server's verdicts on the paper's findings for the experiment."""
    with reaching(server):
        parsed = expect(get_findings.sync_detailed(experiment_id, client=client)).parsed
    assert isinstance(parsed, FindingsPublic)
    return parsed


def fetch_tradeoff(
    client: Client, server: str, experiment_id: str, x: str, y: str
) -> TradeoffPublic:
    """Result `y` against result `x`: a point per run, a mean per strength and series."""
    x_key, y_key = result_key(x), result_key(y)
    with reaching(server):
        response = get_tradeoff.sync_detailed(experiment_id, client=client, x=x_key, y=y_key)
    parsed = expect(response).parsed
    assert isinstance(parsed, TradeoffPublic)
    return parsed


def tradeoff_table(data: TradeoffPublic) -> Table:
    """Mean ± std of x and y per strength, one block of rows per series."""
    table = Table(title=f"{data.y} against {data.x}, mean ± std per {data.strength_name}")
    for column in (
        "objective",
        "model type",
        "label fraction",
        data.strength_name,
        data.x,
        data.y,
        "n",
    ):
        table.add_column(column)
    for series in data.series:
        fraction = _fraction(series.label_fraction)
        for m in series.means:
            table.add_row(
                series.objective,
                series.model_type,
                "–" if fraction is None else f"{fraction:g}",
                f"{m.strength:g}",
                f"{_num(m.x_mean)} ± {_num(_fraction(m.x_std))}",
                f"{_num(m.y_mean)} ± {_num(_fraction(m.y_std))}",
                str(m.n),
            )
    return table


def _num(value: float | None, digits: int = 4) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _fraction(value: Any) -> float | None:
    return value if isinstance(value, float | int) else None


def curve_table(curve: CurvePublic) -> Table:
    """Mean ± std, n and 95% CI per (model type, label fraction, beta)."""
    with_fraction = any(_fraction(p.label_fraction) is not None for p in curve.points)
    table = Table(title=f"{curve.metric} per beta (mean ± std over seeds)")
    table.add_column("model type")
    if with_fraction:
        table.add_column("label fraction", justify="right")
    for name in ("beta", "mean ± std", "n", "95% CI"):
        table.add_column(name, justify="right")
    for p in curve.points:
        row = [p.model_type]
        if with_fraction:
            row.append(f"{_fraction(p.label_fraction):g}")
        mean_std = f"{_num(_fraction(p.mean))} ± {_num(_fraction(p.std))}"
        ci = f"[{_num(_fraction(p.ci_low))}, {_num(_fraction(p.ci_high))}]"
        row += [f"{p.beta:g}", mean_std, str(p.n), ci]
        table.add_row(*row)
    return table


def trend_table(curve: CurvePublic) -> Table:
    """Spearman rank correlation of the metric with beta, per curve."""
    table = Table(title="trend with beta (Spearman)")
    for name in ("model type", "label fraction", "rho", "p"):
        table.add_column(name, justify="left" if name == "model type" else "right")
    for t in curve.trend:
        fraction = _fraction(t.label_fraction)
        table.add_row(
            t.model_type,
            "–" if fraction is None else f"{fraction:g}",
            _num(_fraction(t.spearman_rho), 3),
            _num(_fraction(t.p_value), 4),
        )
    return table


VERDICT_STYLE = {"reproduced": "green", "not reproduced": "red", "inconclusive": "yellow"}


def _scope(model_type: Any, label_fraction: Any) -> str:
    fraction = _fraction(label_fraction)
    scope = model_type if isinstance(model_type, str) else "all"
    return scope if fraction is None else f"{scope}, {fraction:g} of labels"


def findings_table(found: FindingsPublic) -> Table:
    """One row per finding: id, scope, claim, verdict, and the test in words."""
    table = Table(title=f"the paper's findings on {found.metric} (α = {found.alpha:g})")
    for name in ("", "model type", "claim", "verdict", "evidence"):
        table.add_column(name)
    for f in found.findings:
        verdict = f.verdict.value
        table.add_row(
            f.id,
            _scope(f.model_type, f.label_fraction),
            f.claim,
            f"[{VERDICT_STYLE[verdict]}]{verdict}[/]",
            f.reason,
        )
    return table


def findings_markdown(found: FindingsPublic) -> str:
    """The findings table as markdown."""
    lines = [
        "| finding | model type | claim | verdict | evidence |",
        "|---|---|---|---|---|",
    ]
    for f in found.findings:
        scope = _scope(f.model_type, f.label_fraction)
        lines.append(f"| {f.id} | {scope} | {f.claim} | **{f.verdict.value}** | {f.reason} |")
    return "\n".join(lines) + "\n"


CURVE_CSV_COLUMNS = (
    "model_type",
    "label_fraction",
    "beta",
    "mean",
    "std",
    "n",
    "ci_low",
    "ci_high",
)


def write_curve_csv(curve: CurvePublic, path: Path) -> None:
    """One row per point of the curve."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(CURVE_CSV_COLUMNS)
        for p in curve.points:
            values = [_fraction(getattr(p, name)) for name in CURVE_CSV_COLUMNS[1:]]
            writer.writerow([p.model_type, *("" if v is None else v for v in values)])


@report_errors
def submit(
    spec_file: Path | None = typer.Argument(
        None, metavar="[SPEC.json]", help="experiment spec as POST /experiments takes it"
    ),
    preset: str | None = typer.Option(
        None, help=f"a named spec instead of a file: {', '.join(sorted(SUBMIT_PRESETS))}"
    ),
    server: str = ServerOption,
    api_key: str | None = ApiKeyOption,
) -> None:
    """Create an experiment from SPEC.json or --preset and print its id."""
    spec = load_spec(spec_file, preset)
    created = submit_spec(make_client(server, api_key), server, spec)
    typer.echo(created.id)


@report_errors
def watch(
    experiment_id: str = typer.Argument(..., help="experiment id"),
    interval: float = typer.Option(2.0, min=0.1, help="seconds between polls"),
    server: str = ServerOption,
    api_key: str | None = ApiKeyOption,
) -> None:
    """Follow an experiment live: a bar per model type, running epochs and losses, ETA."""
    console = Console()
    client = make_client(server, api_key)
    detail, runs = watch_experiment(
        client, server, experiment_id, interval=interval, console=console
    )
    finish(detail, runs, console)


@report_errors
def curve(
    experiment_id: str = typer.Argument(..., help="experiment id"),
    metric: str = typer.Option(..., help="result key, e.g. beta_vae_change_one, svm_accuracy"),
    png: Path | None = typer.Option(None, help="also save the server's plot of the curve here"),
    csv_path: Path | None = typer.Option(None, "--csv", help="also save the points as CSV"),
    server: str = ServerOption,
    api_key: str | None = ApiKeyOption,
) -> None:
    """Print mean ± std of a metric per beta (and the trend test); optionally save PNG / CSV."""
    client = make_client(server, api_key)
    data = fetch_curve(client, server, experiment_id, metric)
    console = Console()
    console.print(curve_table(data))
    if data.trend:
        console.print(trend_table(data))
    if csv_path is not None:
        write_curve_csv(data, csv_path)
        console.print(f"wrote {csv_path}")
    if png is not None:
        with reaching(server):
            image = expect(
                get_curve_image.sync_detailed(
                    experiment_id, client=client, metric=result_key(metric)
                )
            )
        png.write_bytes(image.content)
        console.print(f"wrote {png}")


@report_errors
def findings(
    experiment_id: str = typer.Argument(..., help="experiment id"),
    json_out: bool = typer.Option(False, "--json", help="print the server's JSON instead"),
    server: str = ServerOption,
    api_key: str | None = ApiKeyOption,
) -> None:
    """The paper's findings tested on the experiment's runs: reproduced, not, or inconclusive."""
    found = fetch_findings(make_client(server, api_key), server, experiment_id)
    if json_out:
        typer.echo(json.dumps(found.to_dict()))
    else:
        Console().print(findings_table(found))


@report_errors
def tradeoff(
    experiment_id: str = typer.Argument(..., help="experiment id"),
    x: str = typer.Option("recon_loss", help="result key paid, e.g. recon_loss"),
    y: str = typer.Option(..., help="result key bought, e.g. beta_vae_change_one"),
    json_out: bool = typer.Option(False, "--json", help="print the server's JSON instead"),
    server: str = ServerOption,
    api_key: str | None = ApiKeyOption,
) -> None:
    """The cost of disentanglement: mean ± std of `y` and `x` per strength, per series."""
    data = fetch_tradeoff(make_client(server, api_key), server, experiment_id, x, y)
    if json_out:
        typer.echo(json.dumps(data.to_dict()))
    else:
        Console().print(tradeoff_table(data))


def register(app: typer.Typer) -> None:
    """Add submit, watch, curve, findings and tradeoff to the `betalab` app."""
    app.command()(submit)
    app.command()(watch)
    app.command()(curve)
    app.command()(findings)
    app.command()(tradeoff)
