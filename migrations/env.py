"""Alembic environment: the URL comes from the caller's config or the shared settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from persistence.db import make_engine
from persistence.models import Base
from persistence.settings import get_settings

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.attributes.get("url") or get_settings().database_url_effective


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys_off(conn)
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            _sqlite_check_foreign_keys(conn)
    engine.dispose()  # closes the connection left with enforcement off


def _sqlite_foreign_keys_off(conn: Connection) -> None:
    """Batch mode rebuilds a SQLite table by copying it and dropping the old one; with foreign
    keys enforced that DROP (an implicit DELETE) would cascade into every referencing row.
    The pragma only takes effect outside a transaction, so it runs and commits first."""
    conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
    conn.commit()


def _sqlite_check_foreign_keys(conn: Connection) -> None:
    """Refuse a migration that left a row pointing at nothing while enforcement was off."""
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    conn.commit()
    if broken:
        raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
