"""Customer accounts (外欠): balances, aging (逾期) and the customers to chase.

The balance is kept current in ``customer_account`` by database triggers (migration
0006), so reading it is one row. Aging starts from that row too: what a customer still
owes is their newest charges adding up to the balance, so only the charges within the
credit term and, when needed, the shorter end of the older ones are read.
``balance_from_history`` sums the whole history; tests and ``kaidan audit verify`` use it
to prove the kept balance right.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from sqlalchemy import ColumnElement, and_, case, func, type_coerce
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from kaidan_tui.db.columns import Money
from kaidan_tui.db.models import Customer, CustomerAccount, Payment, Slip
from kaidan_tui.db.queries import settings
from kaidan_tui.domain import clock
from kaidan_tui.domain.credit import Aging, open_newest, overdue_count
from kaidan_tui.domain.effects import sales_sign
from kaidan_tui.domain.enums import CREDIT_SETTLEMENTS, SlipStatus, SlipType
from kaidan_tui.domain.money import ZERO
from kaidan_tui.domain.slip_kinds import Prices

CREDIT_TERM_KEY = "credit_term_days"
"""Setting: days a credit slip may stay unpaid before it is overdue (default 30)."""

_ORIGINAL = aliased(Slip)
_REVERSED_KIND = (
    select(col(_ORIGINAL.type)).where(_ORIGINAL.id == Slip.reverses_id).correlate(Slip)
).scalar_subquery()
_POSTED = SlipStatus.POSTED.value
_SIGN = case(
    *(
        (and_(col(Slip.type) == SlipType.REVERSAL.value, _REVERSED_KIND.in_([k.value])),
         sales_sign(SlipType.REVERSAL.value, _POSTED, k.value))
        for k in SlipType
        if sales_sign(SlipType.REVERSAL.value, _POSTED, k.value)
    ),
    *(
        (col(Slip.type) == k.value, sales_sign(k.value, _POSTED))
        for k in SlipType
        if k.kind.prices is not Prices.MIRROR and sales_sign(k.value, _POSTED)
    ),
    else_=0,
)  # fmt: skip
"""domain/effects.sales_sign as SQL: the sign of a slip in its customer's balance (a 红冲
takes that of the kind it reverses)."""
_SIGNED = type_coerce(col(Slip.total_amount) * _SIGN, Money)
"""What a slip adds to its customer's balance, when it is a credit slip."""

_CREDIT_SLIP = and_(
    col(Slip.status).in_([SlipStatus.POSTED.value, SlipStatus.REVERSED.value]),
    col(Slip.settlement).in_(sorted(s.value for s in CREDIT_SETTLEMENTS)),
)
_CHARGE: ColumnElement[bool] = and_(_CREDIT_SLIP, col(Slip.total_amount) * _SIGN > 0)
"""A credit sale (or the red reversal of a return): something the customer owes."""


def balance(session: Session, customer_id: int) -> Decimal:
    """外欠: credit slips posted (sales − returns ± reversals) minus payments received."""
    account = session.get(CustomerAccount, customer_id)
    return account.balance if account is not None else ZERO


def balance_from_history(session: Session, customer_id: int) -> Decimal:
    """The same balance summed from every slip and payment (slow; for checks)."""
    owed = session.exec(
        select(func.sum(_SIGNED)).where(Slip.customer_id == customer_id, _CREDIT_SLIP)
    ).one()
    paid = session.exec(
        select(func.sum(Payment.amount)).where(Payment.customer_id == customer_id)
    ).one()
    return (owed or ZERO) - (paid or ZERO)


def check_balances(session: Session) -> list[tuple[str, Decimal, Decimal]]:
    """Customers whose kept balance differs from their history: (code, kept, summed)."""
    kept: dict[int, Decimal] = dict(
        session.exec(select(col(CustomerAccount.customer_id), col(CustomerAccount.balance))).all()
    )
    owed = dict(
        session.exec(
            select(Slip.customer_id, func.sum(_SIGNED))
            .where(col(Slip.customer_id).is_not(None), _CREDIT_SLIP)
            .group_by(col(Slip.customer_id))
        ).all()
    )
    paid = dict(
        session.exec(
            select(Payment.customer_id, func.sum(Payment.amount)).group_by(col(Payment.customer_id))
        ).all()
    )
    out = []
    for cid, code in session.exec(select(Customer.id, Customer.code)).all():
        assert cid is not None
        summed = (owed.get(cid) or ZERO) - (paid.get(cid) or ZERO)
        have = kept.get(cid, ZERO)
        if have != summed:
            out.append((code, have, summed))
    return out


def _term(session: Session) -> int:
    return int(settings.get(session, CREDIT_TERM_KEY, "30") or 30)


def _charges(
    session: Session, customer_id: int, *, newest_first: bool, before: date | None = None
) -> Iterator[tuple[date, Decimal]]:
    """The customer's charges one at a time, from either end; callers stop early."""
    stmt = select(col(Slip.business_date), _SIGNED).where(Slip.customer_id == customer_id, _CHARGE)
    if before is not None:
        stmt = stmt.where(col(Slip.business_date) < before)
    if newest_first:
        stmt = stmt.order_by(col(Slip.business_date).desc(), col(Slip.id).desc())
    else:
        stmt = stmt.order_by(col(Slip.business_date), col(Slip.id))
    return ((when, value) for when, value in session.execute(stmt))


def aging(session: Session, customer_id: int, *, today: date | None = None) -> Aging:
    """逾期: the customer's credit slips unpaid past the term (setting ``credit_term_days``).

    Reads only the charges still open (the newest ones adding up to the balance)."""
    due_before = (today or clock.today()) - timedelta(days=_term(session))
    owed = balance(session, customer_id)
    if owed <= ZERO:
        return Aging()
    return open_newest(owed, _charges(session, customer_id, newest_first=True),
                       due_before=due_before)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Overdue:
    """A customer over their credit limit or with credit slips past the term."""

    code: str
    name: str
    balance: Decimal
    limit: Decimal
    overdue_slips: int
    overdue_amount: Decimal


def to_chase(session: Session, day: date) -> list[Overdue]:
    """Every active customer over their limit or overdue as of ``day`` (D19), in a few
    queries: the kept balances, the charges within the term grouped per customer, and a
    short walk for a customer whose old slips are partly paid."""
    due_before = day - timedelta(days=_term(session))
    accounts = session.exec(
        select(Customer, CustomerAccount)
        .join(CustomerAccount, col(CustomerAccount.customer_id) == Customer.id)
        .where(col(Customer.active).is_(True), col(CustomerAccount.balance) > 0)
        .order_by(col(Customer.code))
    ).all()
    if not accounts:
        return []
    recent = {
        cid: (amount or ZERO, n)
        for cid, amount, n in session.execute(
            select(col(Slip.customer_id), func.sum(_SIGNED), func.count())
            .where(col(Slip.business_date) >= due_before, _CHARGE)
            .where(col(Slip.customer_id).in_([a.customer_id for _c, a in accounts]))
            .group_by(col(Slip.customer_id))
        )
    }
    out = []
    for c, a in accounts:
        recent_amount, recent_count = recent.get(a.customer_id, (ZERO, 0))
        overdue = max(a.balance - recent_amount, ZERO)
        over_limit = c.credit_limit > 0 and a.balance > c.credit_limit
        if not over_limit and overdue <= ZERO:
            continue
        walk = partial(_charges, session, a.customer_id, before=due_before)
        slips = overdue_count(
            overdue,
            a.charged - recent_amount,
            a.charge_count - recent_count,
            newest_old=partial(walk, newest_first=True),
            oldest_old=partial(walk, newest_first=False),
        )
        out.append(Overdue(c.code, c.name, a.balance, c.credit_limit, slips, overdue))
    return out
