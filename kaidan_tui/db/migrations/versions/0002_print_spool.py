"""print spool: who claimed a job, when, and how an uncertain job was resolved

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 16:50:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): SQLite keeps the table and its triggers.
    op.add_column("print_job", sa.Column("claimed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column("print_job", sa.Column("station", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=""))
    op.add_column("print_job", sa.Column("resolved_by_id", sa.Integer(), nullable=True))
    op.add_column("print_job", sa.Column("resolved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column("print_job", sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False, server_default=""))
    op.create_index("ix_print_job_status", "print_job", ["status", "printer"])


def downgrade() -> None:
    op.drop_index("ix_print_job_status", table_name="print_job")
    with op.batch_alter_table("print_job") as batch_op:
        for column in ("note", "resolved_at", "resolved_by_id", "station", "claimed_at"):
            batch_op.drop_column(column)
