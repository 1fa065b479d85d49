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
from kaidan_tui.db import ddl

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What a slip adds to its customer's balance, in fen. Mirrors CREDIT_SETTLEMENTS and
# SlipType.money_sign (tests/test_account.py checks the two agree).
_GUARDS = ddl.never_deleted("customer_account")

_CREDIT = "('月结', '压单', '滚单', '代销')"


def _contrib(row: str) -> str:
    return (
        f"(CASE WHEN {row}.customer_id IS NOT NULL AND {row}.status IN ('posted', 'reversed')"
        f" AND {row}.settlement IN {_CREDIT} THEN {row}.total_amount * (CASE {row}.type"
        f" WHEN 'sale' THEN 1 WHEN 'reversal' THEN 1 WHEN 'return' THEN -1 ELSE 0 END)"
        f" ELSE 0 END)"
    )


def _sqlite_add(customer: str, amount: str, sign: str = "") -> str:
    """Upsert: add ``amount`` fen (a charge when positive) to the customer's account, or
    take it back with ``sign="-"``."""
    return (
        f"INSERT INTO customer_account (customer_id, balance, charged, charge_count) "
        f"VALUES ({customer}, {sign}({amount}), {sign}max({amount}, 0), {sign}({amount} > 0)) "
        f"ON CONFLICT (customer_id) DO UPDATE SET balance = balance + excluded.balance, "
        f"charged = charged + excluded.charged, "
        f"charge_count = charge_count + excluded.charge_count;"
    )


SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER kd_account_slip_insert AFTER INSERT ON slip
    WHEN {_contrib("NEW")} != 0
    BEGIN {_sqlite_add("NEW.customer_id", _contrib("NEW"))} END""",
    f"""CREATE TRIGGER kd_account_slip_update AFTER UPDATE ON slip
    WHEN {_contrib("OLD")} != {_contrib("NEW")} OR OLD.customer_id IS NOT NEW.customer_id
    BEGIN
        {_sqlite_add("OLD.customer_id", _contrib("OLD"), "-")}
        {_sqlite_add("NEW.customer_id", _contrib("NEW"))}
    END""",
    """CREATE TRIGGER kd_account_payment AFTER INSERT ON payment
    BEGIN
        INSERT INTO customer_account (customer_id, balance, charged, charge_count)
        VALUES (NEW.customer_id, -NEW.amount, 0, 0)
        ON CONFLICT (customer_id) DO UPDATE SET balance = balance + excluded.balance;
    END""",
]

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION kd_account_add(cust integer, amount bigint) RETURNS void AS $$
BEGIN
    IF cust IS NULL OR amount = 0 THEN RETURN; END IF;
    INSERT INTO customer_account (customer_id, balance, charged, charge_count)
    VALUES (cust, amount, greatest(amount, 0), CASE WHEN amount > 0 THEN 1 ELSE 0 END)
    ON CONFLICT (customer_id) DO UPDATE SET
        balance = customer_account.balance + excluded.balance,
        charged = customer_account.charged + excluded.charged,
        charge_count = customer_account.charge_count + excluded.charge_count;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION kd_account_slip() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF {_contrib("OLD")} = {_contrib("NEW")}
           AND OLD.customer_id IS NOT DISTINCT FROM NEW.customer_id THEN
            RETURN NULL;
        END IF;
        IF {_contrib("OLD")} != 0 THEN
            INSERT INTO customer_account (customer_id, balance, charged, charge_count)
            VALUES (OLD.customer_id, -{_contrib("OLD")}, -greatest({_contrib("OLD")}, 0),
                    CASE WHEN {_contrib("OLD")} > 0 THEN -1 ELSE 0 END)
            ON CONFLICT (customer_id) DO UPDATE SET
                balance = customer_account.balance + excluded.balance,
                charged = customer_account.charged + excluded.charged,
                charge_count = customer_account.charge_count + excluded.charge_count;
        END IF;
    END IF;
    PERFORM kd_account_add(NEW.customer_id, {_contrib("NEW")});
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION kd_account_payment() RETURNS trigger AS $$
BEGIN
    INSERT INTO customer_account (customer_id, balance, charged, charge_count)
    VALUES (NEW.customer_id, -NEW.amount, 0, 0)
    ON CONFLICT (customer_id) DO UPDATE SET
        balance = customer_account.balance + excluded.balance;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER kd_account_slip AFTER INSERT OR UPDATE ON slip
    FOR EACH ROW EXECUTE FUNCTION kd_account_slip();
CREATE TRIGGER kd_account_payment AFTER INSERT ON payment
    FOR EACH ROW EXECUTE FUNCTION kd_account_payment();
"""

_BACKFILL = f"""
INSERT INTO customer_account (customer_id, balance, charged, charge_count)
SELECT c.id,
    COALESCE((SELECT SUM({_contrib("s")}) FROM slip s WHERE s.customer_id = c.id), 0)
      - COALESCE((SELECT SUM(p.amount) FROM payment p WHERE p.customer_id = c.id), 0),
    COALESCE((SELECT SUM(CASE WHEN {_contrib("s")} > 0 THEN {_contrib("s")} ELSE 0 END)
              FROM slip s WHERE s.customer_id = c.id), 0),
    COALESCE((SELECT SUM(CASE WHEN {_contrib("s")} > 0 THEN 1 ELSE 0 END)
              FROM slip s WHERE s.customer_id = c.id), 0)
FROM customer c
WHERE EXISTS (SELECT 1 FROM slip s WHERE s.customer_id = c.id)
   OR EXISTS (SELECT 1 FROM payment p WHERE p.customer_id = c.id)
"""


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
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(_PG_FUNCTION)


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
