"""Credit aging (D19): which credit slips are still unpaid past their term.

Payments, returns and reversals are applied to the oldest open sales first (FIFO, as a
counter clerk reads an account); what remains of a slip older than the term is overdue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from kaidan_tui.domain.money import ZERO


@dataclass(frozen=True, slots=True)
class Aging:
    overdue_slips: int = 0
    overdue_amount: Decimal = ZERO
    oldest: date | None = None
    """Business date of the oldest slip still (partly) unpaid, overdue or not."""


def aging(
    charges: Iterable[tuple[date, Decimal]], credits: Decimal, *, today: date, term_days: int
) -> Aging:
    """``charges``: (date, amount) of each credit sale; ``credits``: everything paid or
    returned against them. Slips dated before ``today - term_days`` and not fully
    covered are overdue."""
    left = credits
    due_before = today - timedelta(days=term_days)
    count, amount, oldest = 0, ZERO, None
    for when, value in sorted(charges, key=lambda c: c[0]):
        covered = min(max(left, ZERO), value)
        left -= covered
        open_part = value - covered
        if open_part <= ZERO:
            continue
        oldest = oldest or when
        if when < due_before:
            count += 1
            amount += open_part
    return Aging(count, amount, oldest)
