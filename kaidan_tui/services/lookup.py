"""查询: find posted slips by number, tail digits, customer, product, phone, date, type
and status — newest first, a page at a time (never the whole table)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, func, or_
from sqlmodel import Session, col, select

from kaidan_tui.db import search
from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Slip, SlipLine
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
    def label(self) -> str:
        mark = "" if self.status is SlipStatus.POSTED else f"【{self.status.label}】"
        return f"{self.number}{mark}"


def _where(session: Session, q: LookupQuery) -> list[Any]:
    cond: list[Any] = [col(Slip.status).in_([s.value for s in q.statuses or NUMBERED])]
    if q.number:
        cond.append(Slip.number == q.number)
    if q.tail:
        cond.append(col(Slip.number).like(f"%{q.tail}"))
    if q.date_from:
        cond.append(col(Slip.business_date) >= q.date_from)
    if q.date_to:
        cond.append(col(Slip.business_date) <= q.date_to)
    if q.types:
        cond.append(col(Slip.type).in_([t.value for t in q.types]))
    if q.phone:
        cond.append(col(Slip.cust_phone).like(f"%{q.phone}%"))
    for word in q.words:
        customers = [c.id for c in search.find_customers(session, word, 50)]
        products = [p.id for p in search.find_products(session, word, 50)]
        on_slip = exists().where(
            col(SlipLine.slip_id) == col(Slip.id), col(SlipLine.product_id).in_(products or [-1])
        )
        cond.append(
            or_(
                col(Slip.customer_id).in_(customers or [-1]),
                on_slip,
                col(Slip.recipient).contains(word),
            )
        )
    return cond


def find(
    db: Database, text: str, *, today: date | None = None, page: int = 0, size: int = PAGE
) -> tuple[list[SlipRow], bool]:
    """A page of matching slips, newest first, and whether there are more."""
    q = parse_lookup(text, today=today or date.today())
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
    q = parse_lookup(text, today=today or date.today())
    with db.read() as session:
        stmt = select(func.count()).select_from(Slip).where(*_where(session, q))
        return int(session.exec(stmt).one())
