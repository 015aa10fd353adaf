"""Alembic migrations are the schema: they apply cleanly and match the ORM models."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from persistence.db import make_engine, session_scope
from persistence.migrate import alembic_config, upgrade
from persistence.models import ApiKey, Base, Experiment, KeyScope, Run
from tests.utils.servers import fresh_postgres_database


def test_autogenerate_finds_no_difference_between_models_and_migrations(database_url: str):
    engine = make_engine(database_url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    assert diff == []


def test_migrations_create_every_table(database_url: str):
    engine = make_engine(database_url)
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    expected = {"experiments", "runs", "run_epochs", "metric_results", "artifacts", "api_keys"}
    assert expected <= tables
    assert "alembic_version" in tables


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, unmigrated database on each backend, for tests that migrate step by step."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'betalab.db'}"
        return
    with fresh_postgres_database(request.getfixturevalue("postgres_admin_url")) as url:
        yield url


def _insert_pre_0003_rows(url: str) -> None:
    """A key, an experiment, one run and its metric, as revision 0002 stored them."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO api_keys (name, prefix, key_hash, revoked, created_at) "
                "VALUES ('old', 'bl_old00', :hash, false, :now)"
            ),
            {"hash": "0" * 64, "now": now},
        )
        conn.execute(
            sa.text(
                "INSERT INTO experiments (id, name, dataset, spec, status, cancel_requested, "
                "run_count, created_at, updated_at) VALUES ('e0', 'old', 'shapes', '{}', "
                "'completed', false, 1, :now, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            sa.text(
                "INSERT INTO runs (id, experiment_id, grid_index, model_type, beta, seed, status, "
                "attempts, epochs_done, compute_seconds, created_at) VALUES ('r0', 'e0', 0, 'fc', "
                "1.0, 0, 'completed', 1, 3, 2.5, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            sa.text(
                "INSERT INTO metric_results (run_id, experiment_id, key, value, created_at) "
                "VALUES ('r0', 'e0', 'mig', 0.25, :now)"
            ),
            {"now": now},
        )
    engine.dispose()


def _count(url: str, table: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        count = conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
    engine.dispose()
    return count


def test_0003_gives_old_experiments_no_owner_and_old_keys_scope_write(blank_database_url: str):
    upgrade(blank_database_url, "0002")
    _insert_pre_0003_rows(blank_database_url)
    upgrade(blank_database_url)
    with session_scope(blank_database_url) as session:
        key = session.scalars(select(ApiKey)).one()
        experiment = session.scalars(select(Experiment)).one()
        assert (key.name, key.scope) == ("old", KeyScope.write)
        assert (experiment.id, experiment.owner_key_id) == ("e0", None)
        run = session.scalars(select(Run)).one()
        assert (run.id, run.experiment_id, run.epochs_done) == ("r0", "e0", 3)
    # Rebuilding experiments on SQLite must not cascade into its runs and their results...
    assert _count(blank_database_url, "metric_results") == 1
    # ...and the runs' foreign key must still reach the rebuilt table.
    with session_scope(blank_database_url) as session:
        session.execute(sa.delete(Experiment))
    assert _count(blank_database_url, "runs") == 0


def test_0003_downgrades_keeping_the_rows(blank_database_url: str):
    upgrade(blank_database_url, "0002")
    _insert_pre_0003_rows(blank_database_url)
    upgrade(blank_database_url)
    command.downgrade(alembic_config(blank_database_url), "0002")
    engine = make_engine(blank_database_url)
    inspector = sa.inspect(engine)
    experiment_columns = {c["name"] for c in inspector.get_columns("experiments")}
    key_columns = {c["name"] for c in inspector.get_columns("api_keys")}
    engine.dispose()
    assert "owner_key_id" not in experiment_columns and "scope" not in key_columns
    counts = [_count(blank_database_url, t) for t in ("experiments", "runs", "metric_results")]
    assert counts == [1, 1, 1]
