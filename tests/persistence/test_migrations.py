"""Alembic migrations are the schema: they apply cleanly and match the ORM models."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from persistence.db import make_engine
from persistence.models import Base


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
