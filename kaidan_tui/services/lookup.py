"""查询: find posted slips by number, tail digits, customer, product, phone, date, type
and status — newest first, a page at a time (never the whole table)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, func, or_
from sqlmodel import Session, col, select

from kaidan_tui.db import search
from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Slip, SlipLine, SlipLineCode
from kaidan_tui.domain import clock

if TYPE_CHECKING:
    from kaidan_tui.services.slips import SlipIn
from kaidan_tui.domain.enums import SlipStatus, SlipType
from kaidan_tui.domain.lookup import LookupQuery, parse_lookup

PAGE = 50
NUMBERED = (SlipStatus.POSTED, SlipStatus.VOID, SlipStatus.REVERSED)


@dataclass(frozen=True, slots=True)
class SlipRow:
    id: int
    number: str
    type: SlipType
    status: SlipStatus
    business_date: date
    customer: str
    settlement: str
    lines: int
    total: Decimal

    @property
    def shown_total(self) -> Decimal:
        """The total as the printed slip shows it: a return's money goes back (−)."""
        return self.total * self.type.kind.print_sign

    @property
    def label(self) -> str:
        mark = "" if self.status is SlipStatus.POSTED else f"【{self.status.label}】"
        return f"{self.number}{mark}"


def _where(session: Session, q: LookupQuery) -> list[Any]:
    cond: list[Any] = [col(Slip.status).in_([s.value for s in q.statuses or NUMBERED])]
    if q.number:
        cond.append(Slip.number == q.number)
    if q.tail:  # the last digits of a number are its sequence: 0012 → XS2026 0012
        cond.append(col(Slip.seq) == int(q.tail))
    if q.date_from:
        cond.append(col(Slip.business_date) >= q.date_from)
    if q.date_to:
        cond.append(col(Slip.business_date) <= q.date_to)
    if q.types:
        cond.append(col(Slip.type).in_([t.value for t in q.types]))
    if q.phone:
        cond.append(col(Slip.cust_phone).like(f"%{q.phone}%"))
    for word in q.words:
        # Only the ways the word matched are searched, so a customer code uses the
        # (customer, date) index instead of scanning every slip.
        customers = [c.id for c in search.find_customers(session, word, 50)]
        products = [p.id for p in search.find_products(session, word, 50)]
        parts: list[Any] = []
        if customers:
            parts.append(col(Slip.customer_id).in_(customers))
        if products:
            parts.append(
                exists().where(
                    col(SlipLine.slip_id) == col(Slip.id), col(SlipLine.product_id).in_(products)
                )
            )
        if not parts:  # neither a customer nor a product: a gift's recipient, or nothing
            parts.append(col(Slip.recipient).icontains(word))  # as SQLite LIKE, on PG too
        cond.append(or_(*parts))
    return cond


def find(
    db: Database, text: str, *, today: date | None = None, page: int = 0, size: int = PAGE
) -> tuple[list[SlipRow], bool]:
    """A page of matching slips, newest first, and whether there are more."""
    q = parse_lookup(text, today=today or clock.today())
    with db.read() as session:
        stmt = (
            select(Slip)
            .where(*_where(session, q))
            .order_by(col(Slip.business_date).desc(), col(Slip.id).desc())
            .offset(page * size)
            .limit(size + 1)
        )
        slips = session.exec(stmt).all()
    rows = [
        SlipRow(
            id=s.id or 0,
            number=s.number or "",
            type=SlipType(s.type),
            status=SlipStatus(s.status),
            business_date=s.business_date,
            customer=s.cust_name or s.recipient,
            settlement=s.settlement,
            lines=s.line_count,
            total=s.total_amount,
        )
        for s in slips[:size]
    ]
    return rows, len(slips) > size


def count(db: Database, text: str, *, today: date | None = None) -> int:
    q = parse_lookup(text, today=today or clock.today())
    with db.read() as session:
        stmt = select(func.count()).select_from(Slip).where(*_where(session, q))
        return int(session.exec(stmt).one())


def slip_as_input(
    db: Database, number: str, *, returning: bool, keep_prices: bool = False
) -> SlipIn:
    """A posted slip as a new order to type: a return against it (quantities that can
    still come back, at the price paid) or a copy (today's policy prices)."""
    from kaidan_tui.services.slips import LineIn, SlipIn, returnable

    with db.read() as session:
        slip = session.exec(select(Slip).where(Slip.number == number)).one()
        lines = session.exec(
            select(SlipLine).where(SlipLine.slip_id == slip.id).order_by(col(SlipLine.line_no))
        ).all()
        left = returnable(session, slip) if returning else {}
        codes: dict[int, list[str]] = {}
        for line_id, code in session.exec(
            select(SlipLineCode.line_id, SlipLineCode.code).where(
                col(SlipLineCode.line_id).in_([ln.id for ln in lines])
            )
        ).all():
            codes.setdefault(line_id, []).append(code)
    out: list[LineIn] = []
    for ln in lines:
        if returning:
            r = left.pop(ln.product_id, None)  # a product on two lines comes back once
            if ln.is_gift or r is None or r.sold <= r.returned:
                continue
            # At the price paid: net of the whole-slip discount (docs/money.md, rule 2).
            qty = r.sold - r.returned
            out.append(LineIn(product=ln.code, qty=f"{qty:f}", price=f"{r.unit_paid:f}"))
        else:
            price = f"{ln.price:f}" if keep_prices and not ln.is_gift else None
            out.append(
                LineIn(
                    product=ln.code,
                    qty=f"{ln.qty:f}",
                    price=price,
                    is_gift=ln.is_gift,
                    trace_codes=codes.get(ln.id or 0, []) if keep_prices else [],
                    remarks=ln.remarks,
                )
            )
    return SlipIn(
        type=SlipType.RETURN if returning else SlipType(slip.type),
        customer=slip.cust_code or None,
        settlement=slip.settlement,
        recipient=slip.recipient,
        delivery=slip.delivery,
        handler=slip.handler,
        po_number="" if returning else slip.po_number,
        contact=slip.cust_contact,
        phone=slip.cust_phone,
        freight_station=slip.freight_station,
        freight_phone=slip.freight_phone,
        remarks="" if returning else slip.remarks,
        against=slip.number if returning else None,
        lines=out,
    )
