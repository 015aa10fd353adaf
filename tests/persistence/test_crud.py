"""Data access on SQLite and PostgreSQL: grids, listings, progress, curve rows, CSV, delete."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from persistence import crud
from persistence.db import session_scope
from persistence.keys import create_api_key, list_api_keys
from persistence.models import Experiment, ExperimentStatus, MetricResult, Run, RunStatus
from persistence.storage import run_checkpoint_dir
from tests.utils.results import finish_runs
from vae_core.spec import ExperimentSpec


def spec(**changes) -> ExperimentSpec:
    base = {
        "name": "grid",
        "dataset": "shapes",
        "model_types": ["fc", "conv"],
        "betas": [0.0, 1.0, 4.0],
        "seeds": [0, 1],
        "label_fractions": None,
        "metrics": ["beta_vae_change_one", "reconstruction"],
        "metric_keys": ["beta_vae_change_one", "recon_loss", "kl", "total_cost", "recon_l2"],
        "training": {"preset": "smoke", "max_epochs": 4},
    }
    base.update(changes)
    return ExperimentSpec.from_dict(base)


def create(url: str, **changes) -> tuple[str, list[str]]:
    with session_scope(url) as session:
        experiment, run_ids = crud.create_experiment(session=session, spec=spec(**changes))
        return experiment.id, run_ids


def test_create_experiment_makes_one_queued_run_per_cell_in_grid_order(database_url):
    experiment_id, run_ids = create(database_url)
    with session_scope(database_url) as session:
        runs = session.scalars(
            select(Run).where(Run.experiment_id == experiment_id).order_by(Run.grid_index)
        ).all()
        experiment = session.get(Experiment, experiment_id)
        assert experiment.run_count == 12 and experiment.status is ExperimentStatus.queued
    assert [r.id for r in runs] == run_ids
    assert [r.grid_index for r in runs] == list(range(12))
    assert {r.status for r in runs} == {RunStatus.queued}
    cells = [(r.model_type, r.beta, r.seed, r.label_fraction) for r in runs]
    assert cells[:3] == [("fc", 0.0, 0, None), ("fc", 0.0, 1, None), ("fc", 1.0, 0, None)]
    assert len(set(cells)) == 12


def test_mnist_grid_multiplies_by_label_fractions(database_url):
    experiment_id, run_ids = create(
        database_url, dataset="mnist", model_types=["fc"], label_fractions=[0.1, 1.0]
    )
    assert len(run_ids) == 1 * 3 * 2 * 2
    with session_scope(database_url) as session:
        fractions = session.scalars(
            select(Run.label_fraction).where(Run.experiment_id == experiment_id)
        ).all()
    assert sorted(set(fractions)) == [0.1, 1.0]


def test_create_experiment_is_one_transaction(database_url):
    with pytest.raises(RuntimeError):
        with session_scope(database_url) as session:
            crud.create_experiment(session=session, spec=spec())
            raise RuntimeError("crash before commit")
    with session_scope(database_url) as session:
        assert session.scalar(select(func.count()).select_from(Run)) == 0
        assert session.scalar(select(func.count()).select_from(Experiment)) == 0


def test_list_experiments_paginates_newest_first_and_filters_by_status(database_url):
    ids = [create(database_url, name=f"e{i}")[0] for i in range(3)]
    with session_scope(database_url) as session:
        session.get(Experiment, ids[0]).status = ExperimentStatus.completed
    with session_scope(database_url) as session:
        page, count = crud.list_experiments(session=session, skip=0, limit=2)
        assert count == 3 and [e.name for e in page] == ["e2", "e1"]
        page, count = crud.list_experiments(session=session, skip=2, limit=2)
        assert [e.name for e in page] == ["e0"]
        page, count = crud.list_experiments(session=session, status=ExperimentStatus.completed)
        assert count == 1 and page[0].id == ids[0]


def test_progress_counts_terminal_runs_and_running_epochs(database_url):
    experiment_id, _ = create(database_url)  # 12 runs, max_epochs 4
    with session_scope(database_url) as session:
        finish_runs(session, experiment_id, keys=["mig"], first=3, compute_seconds=20.0)
        finish_runs(
            session,
            experiment_id,
            where=lambda r: r.grid_index == 3,
            status=RunStatus.failed,
        )
        running = session.scalars(
            select(Run).where(Run.grid_index.in_([4, 5]), Run.experiment_id == experiment_id)
        ).all()
        for run in running:
            run.status, run.epochs_done = RunStatus.running, 2
    with session_scope(database_url) as session:
        experiment = session.get(Experiment, experiment_id)
        progress = crud.experiment_progress(session=session, experiment=experiment)
    assert progress.counts == {
        "queued": 6,
        "running": 2,
        "evaluating": 0,
        "completed": 3,
        "failed": 1,
        "cancelled": 0,
    }
    done = 4 + 2 * crud.TRAIN_SHARE * (2 / 4)
    assert progress.progress == pytest.approx(done / 12)
    # 20 s per run, (12 - done) run-equivalents left, two runs in flight.
    assert progress.eta_seconds == pytest.approx(20.0 * (12 - done) / 2)


def test_progress_has_no_eta_before_a_run_completes_and_zero_when_done(database_url):
    experiment_id, _ = create(database_url)
    with session_scope(database_url) as session:
        experiment = session.get(Experiment, experiment_id)
        assert crud.experiment_progress(session=session, experiment=experiment).eta_seconds is None
        finish_runs(session, experiment_id, lambda r, k: 0.5, ["mig"])
        final = crud.experiment_progress(session=session, experiment=experiment)
    assert final.progress == 1.0 and final.eta_seconds == 0.0


@contextmanager
def statements(session) -> Iterator[list[str]]:
    """The SQL statements `session` sends to the database inside the block."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_progress_of_a_page_of_experiments_takes_one_query(database_url):
    ids = [create(database_url, name=f"e{i}")[0] for i in range(3)]  # 12 runs, max_epochs 4
    with session_scope(database_url) as session:
        finish_runs(session, ids[0], keys=["mig"], first=6, compute_seconds=20.0)
        for run in session.scalars(select(Run).where(Run.experiment_id == ids[1])):
            if run.grid_index < 3:
                run.status, run.epochs_done = RunStatus.running, run.grid_index + 1
            elif run.grid_index == 3:
                run.status = RunStatus.evaluating
    with session_scope(database_url) as session:
        experiments = [session.get(Experiment, i) for i in ids]
        with statements(session) as sent:
            page = crud.experiments_progress(session=session, experiments=experiments)
        assert len(sent) == 1
        singles = [crud.experiment_progress(session=session, experiment=e) for e in experiments]
    assert [page[i] for i in ids] == singles
    first, second, third = singles
    assert first.counts["completed"] == 6 and first.progress == pytest.approx(0.5)
    assert first.eta_seconds == pytest.approx(20.0 * 6)  # nothing in flight: one at a time
    # epochs 1, 2, 3 of 4 and one evaluating run; no run completed, so no ETA yet.
    done = crud.TRAIN_SHARE * (1 + 2 + 3) / 4 + crud.TRAIN_SHARE
    assert second.counts["running"] == 3 and second.counts["evaluating"] == 1
    assert second.progress == pytest.approx(done / 12) and second.eta_seconds is None
    assert third.counts["queued"] == 12 and third.progress == 0.0
    assert crud.experiments_progress(session=session, experiments=[]) == {}


def test_metric_values_of_a_page_of_runs_take_one_query(database_url):
    experiment_id, run_ids = create(database_url)
    with session_scope(database_url) as session:
        finish_runs(
            session,
            experiment_id,
            lambda r, k: float(r.grid_index) + (k == "sap"),
            ["mig", "sap"],
            first=2,
        )
    with session_scope(database_url) as session:
        with statements(session) as sent:
            values = crud.metric_values(session=session, run_ids=run_ids[:3])
    assert len(sent) == 1
    assert values == {
        run_ids[0]: {"mig": 0.0, "sap": 1.0},
        run_ids[1]: {"mig": 1.0, "sap": 2.0},
        run_ids[2]: {},
    }


def test_curve_rows_return_only_completed_runs_of_one_key_with_filters(database_url):
    experiment_id, _ = create(database_url)
    other_id, _ = create(database_url, name="other")
    with session_scope(database_url) as session:
        finish_runs(
            session,
            experiment_id,
            lambda r, k: r.beta + r.seed / 10,
            ["mig", "sap"],
            where=lambda r: r.grid_index % 4 != 3,
        )
        finish_runs(session, other_id, lambda r, k: 99.0, ["mig"])
        # A failed run that still left a value behind must not count.
        failed = finish_runs(
            session, experiment_id, lambda r, k: 50.0, ["mig"], where=lambda r: r.grid_index == 3
        )
        failed[0].status = RunStatus.failed
    with session_scope(database_url) as session:
        rows = crud.curve_rows(session=session, experiment_id=experiment_id, key="mig")
        conv = crud.curve_rows(
            session=session, experiment_id=experiment_id, key="mig", model_type="conv"
        )
    assert len(rows) == 9 and all(r["status"] == "completed" for r in rows)
    assert {r["value"] for r in rows} <= {0.0, 0.1, 1.0, 1.1, 4.0, 4.1}
    assert {r["model_type"] for r in conv} == {"conv"} and len(conv) == 4


def test_curve_rows_filter_by_label_fraction(database_url):
    experiment_id, _ = create(database_url, dataset="mnist", label_fractions=[0.1, 1.0])
    with session_scope(database_url) as session:
        finish_runs(session, experiment_id, lambda r, k: r.label_fraction, ["svm_accuracy"])
        rows = crud.curve_rows(
            session=session, experiment_id=experiment_id, key="svm_accuracy", label_fraction=0.1
        )
    assert len(rows) == 12 and {r["value"] for r in rows} == {0.1}


def test_curve_stamp_changes_when_a_value_is_added_or_changed(database_url):
    experiment_id, _ = create(database_url)
    with session_scope(database_url) as session:
        before = crud.curve_stamp(session=session, experiment_id=experiment_id, key="mig")
        finish_runs(
            session, experiment_id, lambda r, k: 0.5, ["mig"], where=lambda r: r.grid_index == 0
        )
        added = crud.curve_stamp(session=session, experiment_id=experiment_id, key="mig")
        session.scalars(select(MetricResult)).one().value = 0.75
        session.flush()
        changed = crud.curve_stamp(session=session, experiment_id=experiment_id, key="mig")
    assert len({before, added, changed}) == 3


def test_csv_rows_have_one_row_per_run_and_metric(database_url):
    experiment_id, run_ids = create(database_url)
    with session_scope(database_url) as session:
        finish_runs(session, experiment_id, lambda r, k: 1.5, ["mig", "sap"], first=1)
        rows = crud.csv_rows(session=session, experiment_id=experiment_id)
    assert len(rows) == 2 + 11
    assert rows[0] == (run_ids[0], "fc", 0.0, 0, None, "completed", "mig", 1.5)
    assert rows[1][6:] == ("sap", 1.5)
    assert rows[2][5:] == ("queued", None, None)


def test_delete_refuses_busy_experiment_then_removes_rows_and_files(database_url, tmp_path):
    experiment_id, run_ids = create(database_url)
    checkpoint = run_checkpoint_dir(tmp_path, experiment_id, run_ids[0])
    checkpoint.mkdir(parents=True)
    (checkpoint / "best.pt").write_bytes(b"x")
    with session_scope(database_url) as session:
        with pytest.raises(crud.ExperimentBusyError):
            crud.delete_experiment(
                session=session, experiment_id=experiment_id, artifact_root=tmp_path
            )
    assert checkpoint.exists()
    with session_scope(database_url) as session:
        finish_runs(session, experiment_id, keys=["mig"])
    with session_scope(database_url) as session:
        assert crud.delete_experiment(
            session=session, experiment_id=experiment_id, artifact_root=tmp_path
        )
        assert not crud.delete_experiment(
            session=session, experiment_id=experiment_id, artifact_root=tmp_path
        )
    assert not checkpoint.exists()
    with session_scope(database_url) as session:
        assert session.scalar(select(func.count()).select_from(Run)) == 0
        assert session.scalar(select(func.count()).select_from(MetricResult)) == 0


def test_run_quota_counts_the_keys_unfinished_runs_only(database_url):
    with session_scope(database_url) as session:
        create_api_key(session=session, name="owner")
        create_api_key(session=session, name="other")
        owner, other = (k.id for k in list_api_keys(session=session))
    with session_scope(database_url) as session:
        mine, _ = crud.create_experiment(session=session, spec=spec(), owner_key_id=owner)
        crud.create_experiment(session=session, spec=spec(), owner_key_id=other)
        crud.create_experiment(session=session, spec=spec())  # ownerless: nobody's quota
    with session_scope(database_url) as session:
        finish_runs(session, mine.id, first=4)
    with session_scope(database_url) as session:
        crud.check_run_quota(session=session, owner_key_id=owner, requested=12, limit=20)
        with pytest.raises(crud.RunQuotaError) as refused:
            crud.check_run_quota(session=session, owner_key_id=owner, requested=13, limit=20)
    assert (refused.value.active, refused.value.requested, refused.value.limit) == (8, 13, 20)
    assert "this key has 8 runs queued or in progress; 13 more" in str(refused.value)
