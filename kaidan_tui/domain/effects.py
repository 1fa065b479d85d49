"""Which totals a slip enters, and with which sign (docs/money.md, rule 4).

The one implementation of the status × day table: the daily report's breakdowns (by
settlement, by channel, driver cash, products sold), the customer balance and the
statement all ask :func:`sales_sign`. The sign applies to the slip's stored figures
(``total_amount``, ``total_qty``, the lines' ``paid`` and ``qty``); a 红冲 slip stores its
figures already negated, so its sign is +1.
"""

from __future__ import annotations

from kaidan_tui.domain.enums import SlipStatus, SlipType

COUNTED_STATUSES = (SlipStatus.POSTED.value, SlipStatus.REVERSED.value)
"""A reversed slip still counts on its own day: its 红冲 cancels it on the 红冲's day."""

SALES_KINDS = (SlipType.SALE.value, SlipType.RETURN.value)
"""The kinds that carry sales money (gifts and stock-in move stock only)."""


def sales_sign(kind: str, status: str, reversed_kind: str | None = None) -> int:
    """+1, −1 or 0: how a slip's stored figures enter the sales totals of its own day.

    ``reversed_kind``: for a 红冲 slip, the type of the slip it reverses.
    """
    if status not in COUNTED_STATUSES:
        return 0  # void, held, draft
    if kind == SlipType.SALE.value:
        return 1
    if kind == SlipType.RETURN.value:
        return -1
    if kind == SlipType.REVERSAL.value and reversed_kind in SALES_KINDS:
        return 1
    return 0
