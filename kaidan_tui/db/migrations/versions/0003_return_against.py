"""return against a slip (slip.against_id, fixed once posted); lookup indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 17:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TRIGGER = """CREATE TRIGGER kd_slip_against_immutable BEFORE UPDATE OF against_id ON slip
WHEN OLD.status NOT IN ('draft', 'held') AND NEW.against_id IS NOT OLD.against_id
BEGIN SELECT RAISE(ABORT, 'kaidan: a posted slip cannot be changed (void or reverse it)'); END"""


def upgrade() -> None:
    # Plain ADD COLUMN keeps the table (and its triggers) on SQLite.
    op.add_column("slip", sa.Column("against_id", sa.Integer(), nullable=True))
    op.create_index("ix_slip_against_id", "slip", ["against_id"])
    # Lookup by number (the unique index leads with the ledger) and by its tail (seq).
    op.create_index("ix_slip_number", "slip", ["number"])
    op.create_index("ix_slip_seq", "slip", ["seq"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute(_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS kd_slip_against_immutable")
    op.drop_index("ix_slip_seq", table_name="slip")
    op.drop_index("ix_slip_number", table_name="slip")
    op.drop_index("ix_slip_against_id", table_name="slip")
    with op.batch_alter_table("slip") as batch_op:
        batch_op.drop_column("against_id")
