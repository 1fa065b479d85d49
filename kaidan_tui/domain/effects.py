"""Which totals a slip enters, and with which sign (docs/money.md, rule 4).

The one implementation of the status × day table: the daily report's breakdowns (by
settlement, by channel, driver cash, products sold), the customer balance and the
statement all ask :func:`sales_sign`. The sign applies to the slip's stored figures
(``total_amount``, ``total_qty``, the lines' ``paid`` and ``qty``); a 红冲 slip stores its
figures already negated, so its sign is +1.
"""

from __future__ import annotations

from kaidan_tui.domain.enums import SlipStatus, SlipType
from kaidan_tui.domain.slip_kinds import KINDS, SALES_KINDS, Prices

COUNTED_STATUSES = (SlipStatus.POSTED.value, SlipStatus.REVERSED.value)
"""A reversed slip still counts on its own day: its 红冲 cancels it on the 红冲's day."""


def sales_sign(kind: str, status: str, reversed_kind: str | None = None) -> int:
    """+1, −1 or 0: how a slip's stored figures enter the sales totals of its own day.

    ``reversed_kind``: for a 红冲 slip, the type of the slip it reverses.
    """
    if status not in COUNTED_STATUSES:
        return 0  # void, held, draft
    row = KINDS[SlipType(kind)]
    if row.prices is Prices.MIRROR:  # a 红冲: figures stored negated, so +1 if it carries money
        return 1 if reversed_kind in SALES_KINDS else 0
    return row.money_sign
