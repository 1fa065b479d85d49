"""slip_line.paid (what was paid for a line after the whole-slip discount); day_recheck

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 16:10:00

A return against a discounted slip refunded the undiscounted amount (issue 14). Each line
now stores what was paid for it: the discount is spread over the lines by
``domain.discount.allocate`` (docs/money.md, rule 1). Slips posted before get their
``paid`` values from the same function here; the 红冲 of such a slip gets its original's,
negated. The lines' guard is lifted for this one backfill and put back as it was.

``day_recheck``: a closed day recomputed later, appended next to its close.
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
import sqlmodel
from alembic import op

import kaidan_tui.db.columns
from kaidan_tui.db import ddl
from kaidan_tui.domain.discount import allocate

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LINE_STATUS = "(SELECT status FROM slip WHERE id = OLD.slip_id) NOT IN " + ddl.OPEN
_LINE_GUARD = ddl.guard(
    "kd_slip_line_update", "slip_line", "UPDATE", "lines of a posted slip cannot be changed",
    _LINE_STATUS, pg_check=_LINE_STATUS,
)  # the same guard as migration 0001's
_RECHECK_GUARDS = ddl.append_only("day_recheck")


def _backfill() -> None:
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE slip_line SET paid = amount"))
    discounted = conn.execute(
        sa.text("SELECT id, discount_amount FROM slip WHERE discount_amount != 0 "
                "AND reverses_id IS NULL ORDER BY id")
    ).all()
    paid_by_slip: dict[int, dict[int, int]] = {}
    for slip_id, discount in discounted:
        lines = conn.execute(
            sa.text("SELECT id, line_no, amount, is_gift FROM slip_line WHERE slip_id = :s "
                    "ORDER BY line_no"), {"s": slip_id}
        ).all()
        if not lines:
            continue
        shares = allocate([Decimal(a) / 100 for _i, _n, a, _g in lines], Decimal(discount) / 100,
                          gifts=[bool(g) for *_x, g in lines])
        paid_by_slip[slip_id] = {}
        for (line_id, line_no, amount, _g), share in zip(lines, shares, strict=True):
            paid = amount - int(share * 100)
            paid_by_slip[slip_id][line_no] = paid
            conn.execute(sa.text("UPDATE slip_line SET paid = :p WHERE id = :i"),
                         {"p": paid, "i": line_id})
    if not paid_by_slip:
        return
    reds = conn.execute(sa.text("SELECT id, reverses_id FROM slip WHERE reverses_id IS NOT NULL"))
    for red_id, original_id in reds.all():
        paid = paid_by_slip.get(original_id)
        if paid is None:
            continue
        for line_no, fen in paid.items():
            conn.execute(
                sa.text("UPDATE slip_line SET paid = :p WHERE slip_id = :s AND line_no = :n"),
                {"p": -fen, "s": red_id, "n": line_no},
            )


def upgrade() -> None:
    # A plain ADD COLUMN (a batch copy of the table would lose its triggers on SQLite).
    op.add_column("slip_line", sa.Column("paid", kaidan_tui.db.columns.Money(), nullable=False,
                                         server_default="0"))
    ddl.drop(op, _LINE_GUARD)
    _backfill()
    ddl.create(op, _LINE_GUARD)
    op.create_table(
        "day_recheck",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("close_id", sa.Integer(), nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("totals", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("differences", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["close_id"], ["day_close.id"], name=op.f("fk_day_recheck_close_id_day_close")),
        sa.ForeignKeyConstraint(["ledger_id"], ["ledger.id"], name=op.f("fk_day_recheck_ledger_id_ledger")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_day_recheck_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_day_recheck")),
    )
    op.create_index("ix_day_recheck_close_id", "day_recheck", ["close_id"])
    ddl.create(op, *_RECHECK_GUARDS)


def downgrade() -> None:
    ddl.drop(op, *_RECHECK_GUARDS)
    op.drop_index("ix_day_recheck_close_id", table_name="day_recheck")
    op.drop_table("day_recheck")
    ddl.drop(op, _LINE_GUARD)
    op.drop_column("slip_line", "paid")  # plain DROP COLUMN: a batch copy loses triggers
    ddl.create(op, _LINE_GUARD)
