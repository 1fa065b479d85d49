"""customer_account: a 红冲 moves the balance only when it reverses a sale or a return

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 19:40:00

The reference ledger (tests/test_reference_ledger.py) found that the 红冲 of a stock-in
or gift slip made out to a credit customer changed that customer's balance: the stock-in
itself had not (it carries no money), but its 红冲, of type ``reversal``, always counted.
The triggers now ask what the 红冲 reverses (``domain/effects.sales_sign``'s rule), and
every account is summed again from the history, so a store that had such a 红冲 is
right after the upgrade.
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from kaidan_tui.db import account_sql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _install(reversal: account_sql.Reversal) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in account_sql.SQLITE_SLIP_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in account_sql.sqlite_slip_triggers(reversal):
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(account_sql.pg_slip_function(reversal))  # the trigger calls it by name
    # Sum every account again by the rule just installed (an UPDATE: rows are never
    # deleted, and a customer with history always has one).
    op.execute(
        f"""UPDATE customer_account SET
            balance = t.balance, charged = t.charged, charge_count = t.charge_count
        FROM ({account_sql.sums(reversal)}) AS t
        WHERE customer_account.customer_id = t.customer_id"""
    )


def upgrade() -> None:
    _install(account_sql.reversal_of_sales)


def downgrade() -> None:
    _install(account_sql.every_reversal)
