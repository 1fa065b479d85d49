"""slip: who has a held order on screen (claim_*), and what a post was given (input_digest)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 10:10:00

Two counters could recall the same held order and both change it; the second F9 was
taken as a repeat of the first ("重复提交") and its changes were dropped (issue 21).
A recall now claims the held order for the screen that has it (the token is that
screen's autosave key, so a restored autosave takes the claim over); ``input_digest`` is
the hash of what a post was given, so a second post under the same idempotency key is
a repeat only when it says the same thing. ``order_autosave.owner`` names the process
saving a row, so a second window is not offered the first one's live order.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    ("input_digest", sqlmodel.sql.sqltypes.AutoString(length=64)),
    ("claim_token", sqlmodel.sql.sqltypes.AutoString(length=32)),
    ("claim_counter", sqlmodel.sql.sqltypes.AutoString(length=64)),
    ("claim_user_id", sa.Integer()),
    ("claimed_at", sqlmodel.sql.sqltypes.UTCDateTime()),
)


def upgrade() -> None:
    # Plain ADD COLUMN (a batch copy of the table would lose its triggers on SQLite).
    for name, type_ in _COLUMNS:
        op.add_column("slip", sa.Column(name, type_, nullable=True))
    # The process whose screen saves the row ("host:pid"): a row a live window on this
    # machine is still saving is not offered as unfinished.
    op.add_column(
        "order_autosave",
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False,
                  server_default=""),
    )


def downgrade() -> None:
    op.drop_column("order_autosave", "owner")
    for name, _type in reversed(_COLUMNS):
        op.drop_column("slip", name)  # plain DROP COLUMN: a batch copy loses triggers
