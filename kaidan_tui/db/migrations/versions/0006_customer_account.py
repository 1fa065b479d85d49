"""customer_account: each customer's open balance (外欠), kept by triggers; movements by time

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 19:20:00

The daily report lists customers over their limit or overdue. Working that out from
every credit slip a customer ever had cost seconds at a million slips, so the balance is
now kept current, the way ``stock`` is for products. Triggers keep it, not the services,
so no path that posts, voids, reverses or takes a payment can forget it. The existing
history is summed into it once here.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kaidan_tui.db.columns
from kaidan_tui.db import account_sql, ddl

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What a slip adds to its customer's balance: db/account_sql.py, with 0006's sign for a
# 红冲 (every one counted; 0008 corrects it).
_GUARDS = ddl.never_deleted("customer_account")
_BACKFILL = (
    "INSERT INTO customer_account (customer_id, balance, charged, charge_count) "
    + account_sql.sums(account_sql.every_reversal)
)


def upgrade() -> None:
    op.create_table(
        "customer_account",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("balance", kaidan_tui.db.columns.Money(), nullable=False),
        sa.Column("charged", kaidan_tui.db.columns.Money(), nullable=False),
        sa.Column("charge_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name=op.f("fk_customer_account_customer_id_customer")),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_account")),
    )
    op.execute(_BACKFILL)
    # The daily report's stock at the end of a past day reads the movements after it.
    op.create_index("ix_stock_movement_created_at", "stock_movement", ["created_at"])
    ddl.create(op, *_GUARDS)
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in account_sql.sqlite_slip_triggers(account_sql.every_reversal):
            op.execute(statement)
        op.execute(account_sql.SQLITE_PAYMENT_TRIGGER)
    elif dialect == "postgresql":
        op.execute(account_sql.PG_ADD_FUNCTION)
        op.execute(account_sql.pg_slip_function(account_sql.every_reversal))
        op.execute(account_sql.PG_PAYMENT_FUNCTION)
        op.execute(account_sql.PG_TRIGGERS)


def downgrade() -> None:
    ddl.drop(op, *_GUARDS)
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("kd_account_slip_insert", "kd_account_slip_update", "kd_account_payment"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS kd_account_slip ON slip")
        op.execute("DROP TRIGGER IF EXISTS kd_account_payment ON payment")
        op.execute("DROP FUNCTION IF EXISTS kd_account_slip(), kd_account_payment(), "
                   "kd_account_add(integer, bigint)")
    op.drop_index("ix_stock_movement_created_at", table_name="stock_movement")
    op.drop_table("customer_account")
