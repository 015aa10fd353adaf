"""experiments.owner_key_id and api_keys.scope: who may do what (#19)

An experiment is owned by the API key that created it (`owner_key_id`, a nullable foreign key
to api_keys.id); only that key or an `admin` key may cancel or delete it. Experiments made
before this revision get owner NULL: no one can tell which key made them, so only admin keys
may cancel or delete them. A key that is ever deleted from the table leaves its experiments
ownerless too (ON DELETE SET NULL); `betalab keys revoke` only marks keys revoked.

Every key gets a scope, `read` (GET only), `write` (create experiments, cancel and delete its
own) or `admin` (everything); existing keys get `write`, which is what every key could do
before.

On SQLite adding the foreign key rebuilds the experiments table (batch mode: copy, drop,
rename); migrations/env.py switches foreign-key enforcement off while migrating, else dropping
the old table would cascade into every run.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(
            sa.Column(
                "scope",
                sa.Enum("read", "write", "admin", name="keyscope", native_enum=False, length=8),
                server_default="write",
                nullable=False,
            )
        )
    with op.batch_alter_table("experiments") as batch:
        batch.add_column(sa.Column("owner_key_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_experiments_owner_key_id"), ["owner_key_id"], unique=False)
        batch.create_foreign_key(
            batch.f("fk_experiments_owner_key_id_api_keys"),
            "api_keys",
            ["owner_key_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("experiments") as batch:
        batch.drop_constraint(batch.f("fk_experiments_owner_key_id_api_keys"), type_="foreignkey")
        batch.drop_index(batch.f("ix_experiments_owner_key_id"))
        batch.drop_column("owner_key_id")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("scope")
