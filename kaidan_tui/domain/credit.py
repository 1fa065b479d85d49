"""Credit aging (D19): which credit slips are still unpaid past their term.

Payments, returns and reversals are applied to the oldest open sales first (FIFO, as a
counter clerk reads an account); what remains of a slip older than the term is overdue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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


def open_newest(
    balance: Decimal, charges_newest_first: Iterable[tuple[date, Decimal]], *, due_before: date
) -> Aging:
    """The same answer as :func:`aging`, read from the other end: what a customer still
    owes is their newest charges adding up to the balance, so only those are walked."""
    left = balance
    count, amount, oldest = 0, ZERO, None
    for when, value in charges_newest_first:
        if left <= ZERO:
            break
        part = min(value, left)
        left -= part
        oldest = when
        if when < due_before:
            count += 1
            amount += part
    return Aging(count, amount, oldest)


def covered_count(charges_oldest_first: Iterable[tuple[date, Decimal]], covered: Decimal) -> int:
    """How many of the oldest charges ``covered`` pays off completely (FIFO)."""
    n, total = 0, ZERO
    for _when, value in charges_oldest_first:
        total += value
        if total > covered:
            break
        n += 1
    return n


def overdue_count(
    overdue: Decimal,
    old_total: Decimal,
    old_count: int,
    *,
    newest_old: Callable[[], Iterable[tuple[date, Decimal]]],
    oldest_old: Callable[[], Iterable[tuple[date, Decimal]]],
) -> int:
    """How many charges older than the term are not fully paid, given the overdue amount
    (balance less the charges within the term). Walks whichever end is shorter: from the
    newest old charge until ``overdue`` is reached, or from the oldest until what was paid
    (``old_total - overdue``) is used up."""
    if overdue <= ZERO:
        return 0
    paid = old_total - overdue
    if paid <= ZERO:
        return old_count
    if overdue <= paid:
        return open_newest(overdue, newest_old(), due_before=date.max).overdue_slips
    return old_count - covered_count(oldest_old(), paid)
