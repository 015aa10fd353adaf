"""`betalab reproduce`: the paper's grids, the figures, and a smoke run end to end."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from betalab_client.models import CurvePublic
from PIL import Image

from api.schemas import EXPERIMENT_CREATE
from api.spec import normalise_spec
from betalab_cli.presets import figure_spec
from betalab_cli.reproduce import draw_figure, markdown_report
from tests.cli.conftest import betalab
from tests.utils.service import Service


def expanded(figure: int, grid: str, preset: str) -> dict:
    """The spec as the server stores it (validated by the API's own schema)."""
    body = EXPERIMENT_CREATE.validate_json(json.dumps(figure_spec(figure, grid, preset)))
    return normalise_spec(body, max_runs=100_000).to_dict()


def runs(spec: dict) -> int:
    fractions = len(spec["label_fractions"] or [1])
    return len(spec["model_types"]) * len(spec["betas"]) * len(spec["seeds"]) * fractions


def test_figure1_paper_grid_is_four_model_types_26_betas_5_seeds_on_shapes() -> None:
    spec = expanded(1, "paper", "paper")
    assert spec["dataset"] == "shapes"
    assert spec["model_types"] == ["fc", "fc-denoising", "conv", "conv-denoising"]
    assert spec["betas"] == [round(0.2 * i, 10) for i in range(26)]
    assert spec["seeds"] == [0, 1, 2, 3, 4]
    assert spec["metrics"] == ["beta_vae_change_one", "reconstruction"]
    assert spec["training"]["preset"] == "paper" and runs(spec) == 520


def test_figure2_paper_grid_is_fc_and_conv_41_betas_5_label_fractions_on_mnist() -> None:
    spec = expanded(2, "paper", "paper")
    assert spec["dataset"] == "mnist"
    assert spec["model_types"] == ["fc", "conv"]
    assert spec["betas"] == [round(0.1 * i, 10) for i in range(41)]
    assert spec["label_fractions"] == [0.2, 0.4, 0.6, 0.8, 1.0]
    assert len(spec["seeds"]) == 5
    assert spec["metrics"] == ["svm_accuracy", "reconstruction"]
    assert runs(spec) == 2 * 41 * 5 * 5


def test_calibrated_figure2_trains_on_the_whole_labelled_subset_and_figure1_does_not() -> None:
    two, one = expanded(2, "small", "calibrated"), expanded(1, "small", "calibrated")
    assert two["training"]["train_fraction"] == 1.0 and two["training"]["max_epochs"] == 5
    assert two["training"]["batch_size"] == 250  # Figure 2's measured batch, not shapes' 64
    assert one["training"]["train_fraction"] == 0.05 and one["training"]["max_epochs"] == 8
    assert one["training"]["batch_size"] == 64
    assert two["training"]["preset"] == one["training"]["preset"] == "calibrated"
    assert one["training"]["beta0_learning_rate"] == one["training"]["learning_rate"]
    assert expanded(2, "small", "quick")["training"]["train_fraction"] == 0.1


@pytest.mark.parametrize("figure", [1, 2])
def test_the_preset_changes_only_the_training_and_the_grid_only_the_axes(figure: int) -> None:
    paper, quick = expanded(figure, "paper", "paper"), expanded(figure, "paper", "quick")
    assert {k: v for k, v in quick.items() if k not in ("name", "training")} == {
        k: v for k, v in paper.items() if k not in ("name", "training")
    }
    assert quick["training"]["preset"] == "quick"
    small, tiny = expanded(figure, "small", "quick"), expanded(figure, "tiny", "smoke")
    assert small["model_types"] == paper["model_types"] and len(small["seeds"]) == 3
    assert paper["betas"][0] == small["betas"][0] and small["betas"][-1] == paper["betas"][-1]
    assert runs(tiny) <= 4 and tiny["training"]["preset"] == "smoke"


def test_the_small_grids_are_the_papers_axes_with_fewer_points() -> None:
    one, two = expanded(1, "small", "quick"), expanded(2, "small", "quick")
    assert one["betas"] == [0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0] and runs(one) == 84
    assert two["betas"] == [0.0, 0.1, 0.5, 1.0, 2.0, 4.0]
    assert two["label_fractions"] == [0.1, 1.0] and runs(two) == 72


def synthetic_curve(model_types: list[str], fractions: list[float | None]) -> CurvePublic:
    points, trend = [], []
    for m, model_type in enumerate(model_types):
        for fraction in fractions:
            for b, beta in enumerate([0.0, 1.0, 2.0]):
                mean = 0.3 + 0.1 * b + 0.01 * m
                points.append(
                    {
                        "model_type": model_type,
                        "label_fraction": fraction,
                        "beta": beta,
                        "mean": mean,
                        "std": 0.02,
                        "n": 3,
                        "ci_low": mean - 0.03,
                        "ci_high": mean + 0.03,
                        "values": [mean - 0.02, mean, mean + 0.02],
                    }
                )
            rho = {"spearman_rho": 0.9 - 0.1 * m, "p_value": 0.001}
            trend.append({"model_type": model_type, "label_fraction": fraction, **rho})
    return CurvePublic.from_dict(
        {"experiment_id": "e" * 32, "metric": "m", "points": points, "trend": trend}
    )


def test_figure1_has_a_two_by_two_grid_of_panels_for_four_model_types() -> None:
    types = ["fc", "fc-denoising", "conv", "conv-denoising"]
    one = Image.open(io.BytesIO(draw_figure(synthetic_curve(["fc"], [None]), 1, ["fc"], "t")))
    four = Image.open(io.BytesIO(draw_figure(synthetic_curve(types, [None]), 1, types, "t")))
    assert four.size == (2 * one.size[0], 2 * one.size[1])


def test_figure2_draws_a_panel_per_arch_with_a_line_per_label_fraction() -> None:
    curve = synthetic_curve(["fc", "conv"], [0.2, 1.0])
    image = Image.open(io.BytesIO(draw_figure(curve, 2, ["fc", "conv"], "t"))).convert("RGB")
    single = synthetic_curve(["fc", "conv"], [1.0])
    fewer = Image.open(io.BytesIO(draw_figure(single, 2, ["fc", "conv"], "t"))).convert("RGB")
    assert image.size == fewer.size
    assert image.getcolors(1 << 20) != fewer.getcolors(1 << 20)  # the second line is drawn


def test_markdown_report_lists_the_trend_test_of_every_curve() -> None:
    curve = synthetic_curve(["fc", "conv"], [0.2, 1.0])
    report = markdown_report(curve, figure_spec(2, "tiny", "smoke"), "e" * 32)
    assert "| fc | 0.2 | 0.900 | 0.0010 |" in report
    assert "| conv | 1 | 0.800 | 0.0010 |" in report
    assert "| conv | 1 | 2 | 0.5100 ± 0.0200 | 3 |" in report


@pytest.fixture
def short_data_dir() -> Iterator[Path]:
    """A data dir short enough for the embedded broker's unix socket path."""
    path = Path(tempfile.mkdtemp(prefix="bl-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_reproduce_smoke_embedded_runs_the_grid_and_writes_figure_table_and_points(
    service: Service, short_data_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "fig1"
    env = {
        "BETALAB_DATA_DIR": str(short_data_dir),
        "BETALAB_CACHE_DIR": service.env["BETALAB_CACHE_DIR"],
        "BETALAB_DATABASE_URL": None,
        "BETALAB_BROKER_URL": None,
        "BETALAB_PORT": None,
    }
    args = ["reproduce", "--figure", "1", "--grid", "tiny", "--preset", "smoke", "--embedded"]
    args += ["--out", str(out), "--interval", "0.5"]
    result = betalab(*args, env=env)
    log = short_data_dir / "reproduce-server.log"
    assert result.exit_code == 0, result.output + (log.read_text() if log.exists() else "")
    url = re.search(r"embedded server at (http://\S+)", result.stdout).group(1)
    experiment_id = re.search(r"experiment ([0-9a-f]{32}): 2 runs", result.stdout).group(1)
    assert f"experiment {experiment_id} completed: 2 completed, 0 failed" in result.stdout

    png = Image.open(out / "figure1.png")
    assert png.format == "PNG" and png.size[0] > 300
    with (out / "figure1.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [(r["model_type"], float(r["beta"]), int(r["n"])) for r in rows] == [
        ("fc", 0.0, 1),
        ("fc", 2.0, 1),
    ]
    assert all(0.0 <= float(r["mean"]) <= 1.0 for r in rows)
    report = (out / "figure1.md").read_text()
    assert experiment_id in report and "Spearman" in report
    # the service's verdicts: two runs of one model type decide nothing
    assert "## The paper's findings" in report
    assert re.search(r"^\| F2a \| fc \| .* \| \*\*inconclusive\*\* \| needs 6 runs", report, re.M)
    assert re.search(r"^\| fc \| – \| \S+ \| \S+ \|$", report, re.M)  # the trend row
    mean = f"{float(rows[1]['mean']):.4f}"
    assert f"| fc | – | 2 | {mean} ± " in report
    with pytest.raises(httpx.TransportError):  # the embedded server was stopped ...
        httpx.get(f"{url}/healthz", timeout=2)
    assert not (short_data_dir / "broker" / "redis.sock").exists()  # ... with its broker

    # The same command again re-attaches to that experiment instead of submitting a second.
    again = betalab(*args, env=env)
    assert again.exit_code == 0, again.output
    said = " ".join(again.stdout.split())  # the console wraps long lines
    assert f"experiment {experiment_id}: 2 runs (figure1-tiny-smoke), re-attached" in said
    assert f"experiment {experiment_id} completed: 2 completed, 0 failed" in said
    state = json.loads((out / "experiment.json").read_text())
    assert state["experiment_id"] == experiment_id


def test_a_remembered_experiment_the_server_lacks_is_submitted_anew(
    service: Service, tmp_path: Path
) -> None:
    from rich.console import Console

    from betalab_cli.connection import make_client
    from betalab_cli.reproduce import attach_or_submit

    spec = figure_spec(1, "tiny", "smoke")
    (tmp_path / "experiment.json").write_text(json.dumps({"experiment_id": "f" * 32, "spec": spec}))
    console = Console(record=True)
    client = make_client(service.url, service.api_key)
    first = attach_or_submit(client, service.url, spec, tmp_path, console)
    assert first != "f" * 32 and "not on this server; submitting anew" in console.export_text()
    assert attach_or_submit(client, service.url, spec, tmp_path, console) == first
    other = figure_spec(2, "tiny", "smoke")  # another grid into the same folder: a new experiment
    assert attach_or_submit(client, service.url, other, tmp_path, console) != first
