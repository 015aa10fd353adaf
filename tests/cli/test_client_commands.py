"""`betalab submit`, `watch` and `curve` against the real service."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from persistence.db import session_scope
from persistence.models import Run
from tests.cli.conftest import betalab
from tests.utils.service import Service

METRIC = "beta_vae_change_one"


@dataclass
class Submitted:
    smoke_id: str
    failing_id: str


@pytest.fixture(scope="module")
def submitted(service: Service, tmp_path_factory: pytest.TempPathFactory) -> Submitted:
    """The smoke preset, then a one-run spec file whose run is made to fail (beta = 1e300)."""
    smoke = betalab("submit", "--preset", "smoke", server=service.url, api_key=service.api_key)
    assert smoke.exit_code == 0, smoke.output
    spec = tmp_path_factory.mktemp("spec") / "fail.json"
    spec.write_text(
        json.dumps(
            {
                "name": "to-fail",
                "dataset": "shapes",
                "model_types": ["fc"],
                "betas": [3.0],
                "seeds": 1,
                "metrics": [METRIC],
                "training": {"preset": "smoke"},
            }
        )
    )
    failing = betalab("submit", str(spec), server=service.url, api_key=service.api_key)
    assert failing.exit_code == 0, failing.output
    failing_id = failing.stdout.strip()
    # The single worker is busy with the smoke runs submitted first, so this lands in time.
    with session_scope(service.database_url) as session:
        session.execute(
            # float32 overflows: the first training loss is not finite, so the run fails.
            sa.update(Run).where(Run.experiment_id == failing_id).values(beta=1e300)
        )
    return Submitted(smoke.stdout.strip(), failing_id)


def test_submit_prints_only_the_id_of_the_created_experiment(
    service: Service, submitted: Submitted
) -> None:
    assert re.fullmatch(r"[0-9a-f]{32}", submitted.smoke_id)
    detail = httpx.get(f"{service.url}/experiments/{submitted.smoke_id}").json()
    assert detail["name"] == "smoke"
    assert detail["run_count"] == 2
    assert detail["spec"]["betas"] == [0.0, 1.0]


def test_watch_follows_the_experiment_to_its_end_and_exits_0(
    service: Service, submitted: Submitted
) -> None:
    result = betalab("watch", submitted.smoke_id, "--interval", "0.5", server=service.url)
    assert result.exit_code == 0, result.output + service.logs()
    assert "2/2" in result.stdout
    assert "fc" in result.stdout
    assert f"experiment {submitted.smoke_id} completed: 2 completed, 0 failed" in result.stdout
    detail = httpx.get(f"{service.url}/experiments/{submitted.smoke_id}").json()
    assert detail["status"] == "completed"


def test_watch_exits_1_naming_the_failed_run_and_its_reason(
    service: Service, submitted: Submitted
) -> None:
    result = betalab("watch", submitted.failing_id, "--interval", "0.5", server=service.url)
    assert result.exit_code == 1, f"{result.output}{result.exception!r}{service.logs()}"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: 1 of 1 runs failed; first: fc")
    assert "non-finite" in lines[0]
    assert "0 completed, 1 failed" in result.stdout


def _api_curve(service: Service, experiment_id: str) -> dict:
    url = f"{service.url}/results/{experiment_id}/curve"
    return httpx.get(url, params={"metric": METRIC}).json()


def test_curve_prints_mean_and_std_per_beta_as_the_api_computes_them(
    service: Service, submitted: Submitted
) -> None:
    betalab("watch", submitted.smoke_id, server=service.url)
    result = betalab("curve", submitted.smoke_id, "--metric", METRIC, server=service.url)
    assert result.exit_code == 0, result.output
    points = _api_curve(service, submitted.smoke_id)["points"]
    assert [p["beta"] for p in points] == [0.0, 1.0]
    for p in points:
        cells = [
            [cell.strip() for cell in line.split("│")[1:-1]]
            for line in result.stdout.splitlines()
            if line.startswith("│ fc")
        ]
        row = next(c for c in cells if c[1] == f"{p['beta']:g}")
        # one seed per beta here: a mean but no spread, printed as such rather than ± 0
        assert p["n"] == 1 and p["std"] is None
        assert row[2] == f"{p['mean']:.4f} ± –"
        assert row[3] == str(p["n"])
    assert "Spearman" in result.stdout


def test_curve_writes_the_points_as_csv_and_the_plot_as_png(
    service: Service, submitted: Submitted, tmp_path: Path
) -> None:
    betalab("watch", submitted.smoke_id, server=service.url)
    png, table = tmp_path / "curve.png", tmp_path / "curve.csv"
    args = ["curve", submitted.smoke_id, "--metric", METRIC, "--png", str(png)]
    result = betalab(*args, "--csv", str(table), server=service.url)
    assert result.exit_code == 0, result.output
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and png.stat().st_size > 2000
    with table.open() as f:
        rows = list(csv.DictReader(f))
    points = _api_curve(service, submitted.smoke_id)["points"]
    assert [float(r["beta"]) for r in rows] == [p["beta"] for p in points]
    assert [float(r["mean"]) for r in rows] == pytest.approx([p["mean"] for p in points])
    assert [int(r["n"]) for r in rows] == [p["n"] for p in points]
    assert all(r["model_type"] == "fc" and r["label_fraction"] == "" for r in rows)


def test_curve_of_an_unknown_metric_exits_2_with_the_server_message(
    service: Service, submitted: Submitted
) -> None:
    result = betalab("curve", submitted.smoke_id, "--metric", "mig", server=service.url)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: this experiment has no result 'mig'; it computes ['beta_vae_change_one']"
    ]
    result = betalab("curve", submitted.smoke_id, "--metric", "nope", server=service.url)
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error: unknown result key 'nope'; choose from ")
    assert "beta_vae_change_one" in result.stderr


def test_watch_of_an_unknown_experiment_exits_2(service: Service) -> None:
    result = betalab("watch", "0" * 32, server=service.url)
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: experiment not found"


def test_findings_prints_the_servers_verdicts(service: Service, submitted: Submitted) -> None:
    betalab("watch", submitted.smoke_id, server=service.url)
    result = betalab("findings", submitted.smoke_id, "--json", server=service.url)
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    api = httpx.get(f"{service.url}/results/{submitted.smoke_id}/findings", timeout=30).json()
    assert found == api
    # one fc run per beta: the server cannot decide the shapes findings, and says so
    assert {f["id"] for f in found["findings"]} == {"F1", "F2a", "F2b", "F2c"}
    assert {f["verdict"] for f in found["findings"]} == {"inconclusive"}
    table = betalab("findings", submitted.smoke_id, server=service.url)
    assert table.exit_code == 0 and "F2a" in table.stdout and "inconclusive" in table.stdout


def test_tradeoff_prints_the_servers_means_and_names_a_result_it_lacks(
    service: Service, submitted: Submitted
) -> None:
    betalab("watch", submitted.smoke_id, server=service.url)
    missing = betalab("tradeoff", submitted.smoke_id, "--y", METRIC, server=service.url)
    assert missing.exit_code == 2  # the default x, recon_loss, is not computed here
    assert "no result 'recon_loss'" in missing.stderr
    args = ["tradeoff", submitted.smoke_id, "--x", METRIC, "--y", METRIC]
    result = betalab(*args, "--json", server=service.url)
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    params = {"x": METRIC, "y": METRIC}
    api = httpx.get(f"{service.url}/results/{submitted.smoke_id}/tradeoff", params=params).json()
    assert body == api
    (fc,) = body["series"]
    assert [m["strength"] for m in fc["means"]] == [0.0, 1.0]
    table = betalab(*args, server=service.url, env={"COLUMNS": "200"})  # no wrapped cells
    assert table.exit_code == 0 and "mean ± std per beta" in table.stdout
    assert f"{fc['means'][0]['y_mean']:.4f} ± –" in table.stdout
