"""The dashboard in headless Chromium against a real server (uvicorn, PostgreSQL, Redis)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from persistence.db import session_scope
from persistence.keys import create_api_key
from persistence.migrate import upgrade
from tests.conftest import REPO_ROOT
from tests.utils.processes import wait_for
from tests.utils.seed import SeededExperiment, seed_finished_experiment
from tests.utils.servers import claimed_redis_db, fresh_postgres_database

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MODEL_TYPES = ["fc", "conv"]
BETAS = [1.0, 2.0, 4.0]
SEEDS = [0, 1, 2]
FAILED_CELL = ("conv", 4.0, 2)
BIG_BETAS = [i * 0.25 for i in range(65)]  # 4 model types x 65 betas x 5 seeds = 1,300 runs
BIG_MODEL_TYPES = ["fc", "fc-denoising", "conv", "conv-denoising"]
BIG_SEEDS = list(range(5))
MNIST_FRACTIONS = [0.1, 1.0]
MNIST_BETAS = [0.0, 1.0, 4.0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def database(postgres_admin_url: str) -> Iterator[str]:
    """One migrated PostgreSQL database shared by this module's server."""
    with fresh_postgres_database(postgres_admin_url) as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="module")
def seeded(database: str) -> dict[str, SeededExperiment]:
    small = seed_finished_experiment(
        database,
        name="shapes smoke sweep",
        model_types=MODEL_TYPES,
        betas=BETAS,
        seeds=SEEDS,
        fail={FAILED_CELL},
    )
    big = seed_finished_experiment(
        database,
        name="paper-sized grid",
        model_types=BIG_MODEL_TYPES,
        betas=BIG_BETAS,
        seeds=BIG_SEEDS,
        epochs=2,
        pictures=False,
    )
    mnist = seed_finished_experiment(
        database,
        name="mnist probes",
        model_types=MODEL_TYPES,
        betas=MNIST_BETAS,
        seeds=[0, 1],
        dataset="mnist",
        label_fractions=MNIST_FRACTIONS,
        pictures=False,
    )
    annealed = seed_finished_experiment(
        database,
        name="annealed sweep",
        model_types=["fc"],
        betas=[10.0, 100.0],
        seeds=[0, 1],
        pictures=False,
        objective="annealed_vae",
    )
    return {"small": small, "big": big, "mnist": mnist, "annealed": annealed}


@pytest.fixture(scope="module")
def api_key(database: str) -> str:
    with session_scope(database) as session:
        return create_api_key(session=session, name="dashboard-test")


@pytest.fixture(scope="module")
def module_broker_url(redis_base_url: str) -> Iterator[str]:
    """A Redis database index no other test is using, for the whole module."""
    with claimed_redis_db(redis_base_url) as url:
        yield url


@pytest.fixture(scope="module")
def server(
    database: str, module_broker_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`uvicorn api.main:create_app` on a free loopback port (public read, keyed writes)."""
    port = free_port()
    data_dir = tmp_path_factory.mktemp("server")
    env = {
        **os.environ,
        "BETALAB_DATABASE_URL": database,
        "BETALAB_BROKER_URL": module_broker_url,
        "BETALAB_DATA_DIR": str(data_dir),
        "BETALAB_HOST": "127.0.0.1",
        "BETALAB_PORT": str(port),
    }
    log = open(data_dir / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory"]
        + ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if proc.poll() is not None:
            raise RuntimeError("server exited:\n" + (data_dir / "server.log").read_text())
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(up, timeout=60, interval=0.2, what="the dashboard server")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def out_dir(request: pytest.FixtureRequest) -> Path:
    """test-output/<test name>/ for screenshots."""
    path = REPO_ROOT / "test-output" / request.node.name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    """A fresh browser context (own localStorage) whose page fails the test on JS errors."""
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(20_000)
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def test_list_shows_the_finished_experiment_with_counts_and_progress(
    page: Page, seeded: dict[str, SeededExperiment], out_dir: Path
) -> None:
    small = seeded["small"]
    page.goto("/")
    row = page.locator(f'tr.experiment-row[data-id="{small.id}"]')
    expect(row).to_be_visible()
    expect(row.locator("a")).to_have_text("shapes smoke sweep")
    expect(row.locator("td").nth(2)).to_have_text("completed")
    expect(row.locator(".count-completed")).to_contain_text("17")
    expect(row.locator(".count-failed")).to_contain_text("1")
    expect(row.locator(".progress")).to_have_attribute("aria-valuenow", "100")
    expect(page.locator(f'tr.experiment-row[data-id="{seeded["big"].id}"]')).to_be_visible()
    expect(page.locator("#live-indicator")).to_have_text("")  # nothing runs: no polling
    page.screenshot(path=out_dir / "experiments.png", full_page=True)
    row.locator("a").click()
    expect(page).to_have_url(f"/ui/experiments/{small.id}")


def test_experiment_page_draws_a_point_per_cell_and_a_dot_per_completed_run(
    page: Page, seeded: dict[str, SeededExperiment], server: str, out_dir: Path
) -> None:
    small = seeded["small"]
    page.goto(f"/ui/experiments/{small.id}")
    expect(page.locator("#curve .curve-point")).to_have_count(len(MODEL_TYPES) * len(BETAS))
    expect(page.locator("#curve .seed-dot")).to_have_count(len(small.completed))
    expect(page.locator("#curve .curve-line")).to_have_count(len(MODEL_TYPES))
    assert page.locator("#metric-select").input_value() == "beta_vae_change_one"
    options = page.locator("#metric-select option").all_inner_texts()
    assert options == small.spec["metric_keys"]
    expect(page.locator("#trend-table tr.trend-row")).to_have_count(len(MODEL_TYPES))
    findings = httpx.get(f"{server}/results/{small.id}/findings").json()["findings"]
    rows = page.locator("#findings-table tr.finding-row")
    expect(rows).to_have_count(len(findings))  # the service's verdicts, one row each
    for i, finding in enumerate(findings):
        expect(rows.nth(i)).to_have_attribute("data-verdict", finding["verdict"])
        expect(rows.nth(i).locator("td").nth(4)).to_have_text(finding["reason"])
    expect(page.locator("#runs-info")).to_have_text(f"{len(small.completed) + 1} runs")
    expect(page.locator("#run-table tr.run-row")).to_have_count(18)
    csv_href = page.locator("#csv-link").get_attribute("href")
    assert csv_href == f"/results/{small.id}.csv"
    assert httpx.get(server + csv_href).status_code == 200
    expect(page.locator("#cancel-btn")).to_have_count(0)  # finished: nothing to cancel
    page.screenshot(path=out_dir / "experiment.png", full_page=True)

    # Another metric redraws the same cells.
    page.select_option("#metric-select", "recon_loss")
    expect(page.locator("#curve svg")).to_have_attribute("aria-label", "curve of recon_loss")
    expect(page.locator("#curve .curve-point")).to_have_count(len(MODEL_TYPES) * len(BETAS))

    # The cost of disentanglement: change-one against reconstruction, a mean per (model, β).
    tradeoff = page.locator("#tradeoff")
    expect(tradeoff.locator("svg")).to_have_attribute(
        "aria-label", "beta_vae_change_one against recon_loss"
    )
    assert page.locator("#tradeoff-x").input_value() == "recon_loss"
    expect(tradeoff.locator(".tradeoff-mean")).to_have_count(len(MODEL_TYPES) * len(BETAS))
    expect(tradeoff.locator(".tradeoff-dot")).to_have_count(len(small.completed))
    expect(tradeoff.locator(".tradeoff-line")).to_have_count(len(MODEL_TYPES))
    served = httpx.get(
        f"{server}/results/{small.id}/tradeoff",
        params={"x": "recon_loss", "y": "beta_vae_change_one"},
    ).json()
    conv = next(s for s in served["series"] if s["model_type"] == "conv")
    strengths = tradeoff.locator('.series[data-series="conv"] .tradeoff-mean')
    assert [float(v) for v in strengths.evaluate_all("ns => ns.map(n => n.dataset.strength)")] == [
        m["strength"] for m in conv["means"]
    ]
    page.select_option("#tradeoff-y", "kl")
    expect(tradeoff.locator("svg")).to_have_attribute("aria-label", "kl against recon_loss")
    expect(tradeoff.locator(".tradeoff-mean")).to_have_count(len(MODEL_TYPES) * len(BETAS))


def test_an_experiment_of_another_objective_names_it_and_its_strength_on_the_axes(
    page: Page, seeded: dict[str, SeededExperiment]
) -> None:
    annealed = seeded["annealed"]
    page.goto(f"/ui/experiments/{annealed.id}")
    expect(page.locator("#experiment-objective")).to_have_text("annealed_vae")
    expect(page.locator("#curve .curve-point")).to_have_count(2)
    expect(page.locator("#curve .axis-label").first).to_have_text("γ")  # AnnealedVAE's strength
    expect(page.locator("#tradeoff .tradeoff-mean")).to_have_count(2)
    title = page.locator("#tradeoff .tradeoff-mean title").first.text_content() or ""
    assert title.startswith("annealed_vae · fc γ=10")
    small = seeded["small"]
    page.goto(f"/ui/experiments/{small.id}")
    expect(page.locator("#experiment-objective")).to_have_text("beta_vae")
    expect(page.locator("#curve .axis-label").first).to_have_text("β")


def test_mnist_experiment_draws_a_series_per_model_type_and_label_fraction(
    page: Page, seeded: dict[str, SeededExperiment], out_dir: Path
) -> None:
    mnist = seeded["mnist"]
    page.goto(f"/ui/experiments/{mnist.id}")
    expect(page.locator("#metric-select")).to_have_value("svm_accuracy")  # the first key
    series = [f"{m} · {round(f * 100)}% labels" for m in MODEL_TYPES for f in MNIST_FRACTIONS]
    expect(page.locator("#curve .curve-line")).to_have_count(len(series))
    expect(page.locator("#curve .curve-point")).to_have_count(len(series) * len(MNIST_BETAS))
    expect(page.locator("#curve .seed-dot")).to_have_count(len(mnist.completed))
    assert sorted(
        page.locator("#curve .series").evaluate_all("gs => gs.map(g => g.dataset.series)")
    ) == sorted(series)
    for label in series:
        expect(page.locator(".curve-box").get_by_text(label, exact=True)).to_be_visible()

    # The probe on 100% of the labels scores higher than on 10%: its points sit higher (smaller y).
    def heights(label: str) -> list[float]:
        layer = page.locator(f'#curve .series[data-series="{label}"] .curve-point')
        return [float(cy) for cy in layer.evaluate_all("ps => ps.map(p => p.getAttribute('cy'))")]

    for model_type in MODEL_TYPES:
        few, all_labels = (
            heights(f"{model_type} · 10% labels"),
            heights(f"{model_type} · 100% labels"),
        )
        assert len(few) == len(all_labels) == len(MNIST_BETAS)
        assert all(a < b for a, b in zip(all_labels, few, strict=True)), (all_labels, few)
    # A trend row per series, naming its fraction.
    rows = page.locator("#trend-table tr.trend-row")
    expect(rows).to_have_count(len(series))
    fractions = sorted(rows.evaluate_all("rs => rs.map(r => r.cells[1].textContent)"))
    assert fractions == sorted(["0.1", "1", "0.1", "1"]), fractions
    page.screenshot(path=out_dir / "mnist-experiment.png", full_page=True)


def test_run_table_sorts_by_clicked_header(page: Page, seeded: dict[str, SeededExperiment]) -> None:
    page.goto(f"/ui/experiments/{seeded['small'].id}")
    rows = page.locator("#run-table tr.run-row")
    expect(rows).to_have_count(18)

    def column(label: str) -> list[str]:
        index = page.locator("#run-table th").all_inner_texts().index(label)
        return page.eval_on_selector_all(
            "#run-table tr.run-row", f"rs => rs.map(r => r.cells[{index}].textContent)"
        )

    page.locator('#run-table th[data-key="status"]').click()
    expect(page.locator('#run-table th[data-key="status"]')).to_have_class("sorted-asc")
    assert column("Status")[0] == "completed" and column("Status")[-1] == "failed"
    page.locator('#run-table th[data-key="status"]').click()
    expect(page.locator('#run-table th[data-key="status"]')).to_have_class("sorted-desc")
    assert column("Status")[0] == "failed"
    page.locator('#run-table th[data-key="m:recon_loss"]').click()
    values = [float(v) for v in column("recon_loss") if v != "–"]
    assert values == sorted(values) and len(values) == 17


def test_run_page_shows_training_curves_and_loaded_pictures(
    page: Page, seeded: dict[str, SeededExperiment], out_dir: Path
) -> None:
    run_id = seeded["small"].completed[0]
    page.goto(f"/ui/runs/{run_id}")
    expect(page.locator("#run-status .status")).to_have_text("completed")
    charts = page.locator("#training-charts .line-chart")
    expect(charts).to_have_count(3)  # loss, reconstruction, KL
    expect(page.locator("#training-charts path.chart-line")).to_have_count(6)  # train + val each
    for kind in ("traversal", "reconstructions", "response"):
        img = page.locator(f"#img-{kind}")
        expect(img).to_be_visible()
        img.evaluate("i => i.decode()")
        assert img.evaluate("i => i.complete && i.naturalWidth") > 0, kind
    expect(page.locator("#run-metrics")).to_contain_text("beta_vae_change_one")
    expect(page.locator("#failure-reason")).to_have_count(0)
    page.screenshot(path=out_dir / "run.png", full_page=True)


def test_failed_run_page_shows_the_failure_reason(
    page: Page, seeded: dict[str, SeededExperiment], out_dir: Path
) -> None:
    page.goto(f"/ui/runs/{seeded['small'].failed[0]}")
    expect(page.locator("#failure-reason")).to_contain_text("loss became NaN at epoch 3")
    expect(page.locator("#run-status .status")).to_have_text("failed")
    expect(page.locator("img.artifact")).to_have_count(0)
    page.screenshot(path=out_dir / "failed-run.png", full_page=True)


def test_form_asks_for_a_key_shows_field_errors_and_creates_the_experiment(
    page: Page, seeded: dict[str, SeededExperiment], api_key: str, out_dir: Path
) -> None:
    page.goto("/ui/new")
    key_field = page.locator('.field[data-field="api_key"]')
    expect(key_field).to_be_hidden()
    page.fill("#f-name", "from the browser")
    page.locator('.template-btn[data-preset="smoke"]').click()

    # No key yet: the server answers 401 and the form asks for one.
    page.click("#submit")
    expect(key_field).to_be_visible()
    expect(page.locator("#error-api_key")).to_contain_text("API key")
    page.fill("#f-api-key", api_key)

    # A bad grid: an empty beta range is refused, the message sits next to the beta field.
    page.select_option("#f-beta-mode", "range")
    page.fill("#f-beta-start", "4")
    page.fill("#f-beta-stop", "1")
    page.fill("#f-beta-step", "1")
    page.click("#submit")
    betas_error = page.locator('.field[data-field="betas"] .field-error')
    expect(betas_error).to_contain_text("stop must be >= start")
    expect(betas_error).not_to_contain_text("valid list")  # the list alternative is not blamed
    expect(page.locator('.field[data-field="betas"]')).to_have_class("field invalid")
    expect(page.locator("#error-api_key")).to_have_text("")
    page.screenshot(path=out_dir / "form-error.png", full_page=True)

    # Negative seeds count: the message goes next to seeds.
    page.fill("#f-beta-stop", "8")
    page.fill("#f-seeds", "0")
    page.click("#submit")
    expect(page.locator("#error-seeds")).to_contain_text("greater than or equal to 1")
    expect(page.locator("#error-betas")).to_have_text("")

    # A good grid is accepted and the browser lands on the new experiment.
    page.fill("#f-seeds", "2")
    expect(page.locator("#grid-size")).to_have_text("grid: 10 runs")  # betas 4..8 x 2 seeds
    page.click("#submit")
    page.wait_for_url("**/ui/experiments/*")
    expect(page.locator("#experiment-header h1")).to_have_text("from the browser")
    expect(page.locator("#experiment-status .status")).to_have_text("queued")
    assert page.evaluate("localStorage.getItem('betalab.apiKey')") == api_key
    page.screenshot(path=out_dir / "created.png", full_page=True)

    experiment_url = page.url

    # A queued experiment keeps the list refreshing.
    page.goto("/")
    expect(page.locator("#live-indicator")).to_have_text("· refreshing every 2 s")

    # Nothing trains in this test: cancel it from its page (the stored key is used).
    page.goto(experiment_url)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#cancel-btn")
    expect(page.locator("#experiment-status .status")).to_have_text("cancelled")
    expect(page.locator("#cancel-btn")).to_have_count(0)

    # With nothing queued or running the list stops polling.
    page.goto("/")
    expect(page.locator("tr.experiment-row").first.locator("td").nth(2)).to_have_text("cancelled")
    expect(page.locator("#live-indicator")).to_have_text("")


def test_large_experiment_loads_all_runs_but_renders_only_visible_rows(
    page: Page, seeded: dict[str, SeededExperiment], out_dir: Path
) -> None:
    big = seeded["big"]
    started = time.monotonic()
    page.goto(f"/ui/experiments/{big.id}")
    expect(page.locator("#runs-info")).to_have_text("1300 runs", timeout=30_000)
    expect(page.locator("#curve .curve-point")).to_have_count(len(BIG_MODEL_TYPES) * 65)
    expect(page.locator("#curve .seed-dot")).to_have_count(1300)
    elapsed = time.monotonic() - started
    rendered = page.locator("#run-table tr.run-row").count()
    assert 10 < rendered < 150, rendered  # a window of rows, not 1,300
    # Scrolling to the end renders the last rows of the grid.
    page.locator("#run-table-scroll").evaluate("s => { s.scrollTop = s.scrollHeight; }")
    page.locator('#run-table th[data-key="beta"]').click()  # sorted ascending already -> desc
    page.locator('#run-table th[data-key="beta"]').click()
    last_beta = page.eval_on_selector_all(
        "#run-table tr.run-row", "rs => rs[rs.length - 1].cells[1].textContent"
    )
    assert float(last_beta) == BIG_BETAS[-1]
    assert page.locator("#run-table tr.run-row").count() < 150
    page.screenshot(path=out_dir / "big-experiment.png", full_page=False)
    assert elapsed < 20, f"1,300-run page took {elapsed:.1f} s"
