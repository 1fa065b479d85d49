"""order_autosave: the order on a counter's screen, saved as it is typed

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 08:30:00

A killed app, a dropped SSH session or a power cut lost the whole order on screen. The
order is now saved (unnumbered, never a slip) after each committed line and header
field, and offered back at the next login ("恢复未完成的单").
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from kaidan_tui.db import ddl

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GUARDS = ddl.never_deleted("order_autosave", why=" (closed instead)")


def upgrade() -> None:
    op.create_table(
        "order_autosave",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("counter", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("data", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_order_autosave_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_autosave")),
        sa.UniqueConstraint("key", name=op.f("uq_order_autosave_key")),
    )
    op.create_index("ix_order_autosave_open", "order_autosave", ["closed_at", "user_id"])
    ddl.create(op, *_GUARDS)


def downgrade() -> None:
    ddl.drop(op, *_GUARDS)
    op.drop_index("ix_order_autosave_open", table_name="order_autosave")
    op.drop_table("order_autosave")
