"""pre-printed form serials: which slip each form carries, and spoiled forms (废联)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 17:50:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from kaidan_tui.db import ddl

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "form_serial",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("slip_id", sa.Integer(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["slip_id"], ["slip.id"], name=op.f("fk_form_serial_slip_id_slip")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_form_serial_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_serial")),
        sa.UniqueConstraint("serial", name=op.f("uq_form_serial_serial")),
    )
    op.create_index(op.f("ix_form_serial_slip_id"), "form_serial", ["slip_id"], unique=False)
    ddl.create(op, *ddl.append_only("form_serial"))


def downgrade() -> None:
    ddl.drop(op, *ddl.append_only("form_serial"))
    op.drop_index(op.f("ix_form_serial_slip_id"), table_name="form_serial")
    op.drop_table("form_serial")
