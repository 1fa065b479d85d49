"""daily close (日结): cash counted per driver, return copies ticked, closed days

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 18:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import kaidan_tui.db.columns
from kaidan_tui.db import ddl

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("cash_count", "return_copy", "day_close")


def upgrade() -> None:
    op.create_table(
        "cash_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("driver", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("amount", kaidan_tui.db.columns.Money(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ledger_id"], ["ledger.id"], name=op.f("fk_cash_count_ledger_id_ledger")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_cash_count_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_count")),
    )
    op.create_index("ix_cash_count_day", "cash_count", ["ledger_id", "business_date"])
    op.create_table(
        "return_copy",
        sa.Column("slip_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["slip_id"], ["slip.id"], name=op.f("fk_return_copy_slip_id_slip")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_return_copy_user_id_app_user")),
        sa.PrimaryKeyConstraint("slip_id", name=op.f("pk_return_copy")),
    )
    op.create_table(
        "day_close",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("totals", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("audit_head", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("audit_checksum", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(["ledger_id"], ["ledger.id"], name=op.f("fk_day_close_ledger_id_ledger")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_day_close_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_day_close")),
        sa.UniqueConstraint("ledger_id", "business_date", name=op.f("uq_day_close_ledger_id_business_date")),
    )
    ddl.create(op, *ddl.append_only(*_TABLES))


def downgrade() -> None:
    ddl.drop(op, *ddl.append_only(*_TABLES))
    op.drop_table("day_close")
    op.drop_table("return_copy")
    op.drop_index("ix_cash_count_day", table_name="cash_count")
    op.drop_table("cash_count")
