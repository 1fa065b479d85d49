"""return against a slip (slip.against_id, fixed once posted); lookup indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 17:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kaidan_tui.db import ddl

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GUARD = ddl.guard(
    "kd_slip_against_immutable", "slip", "UPDATE OF against_id",
    "a posted slip cannot be changed (void or reverse it)",
    f"OLD.status NOT IN {ddl.OPEN} AND NEW.against_id IS NOT OLD.against_id",
)


def upgrade() -> None:
    # Plain ADD COLUMN keeps the table (and its triggers) on SQLite.
    op.add_column("slip", sa.Column("against_id", sa.Integer(), nullable=True))
    op.create_index("ix_slip_against_id", "slip", ["against_id"])
    # Lookup by number (the unique index leads with the ledger) and by its tail (seq).
    op.create_index("ix_slip_number", "slip", ["number"])
    op.create_index("ix_slip_seq", "slip", ["seq"])
    ddl.create(op, _GUARD)


def downgrade() -> None:
    ddl.drop(op, _GUARD)
    op.drop_index("ix_slip_seq", table_name="slip")
    op.drop_index("ix_slip_number", table_name="slip")
    op.drop_index("ix_slip_against_id", table_name="slip")
    with op.batch_alter_table("slip") as batch_op:
        batch_op.drop_column("against_id")
