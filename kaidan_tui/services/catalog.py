"""Products and customers as the screens and the CLI see them: search hits, balances."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlmodel import Session

from kaidan_tui.db import search
from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Customer, Ledger, Product
from kaidan_tui.db.queries import accounts
from kaidan_tui.db.queries.catalog import missing_return_copies, stock_of, stock_totals
from kaidan_tui.domain.credit import Aging


@dataclass(frozen=True, slots=True)
class ProductHit:
    id: int
    code: str
    barcode: str
    name: str
    spec: str
    unit: str
    case_size: int
    list_price: Decimal
    floor_price: Decimal | None
    tax_rate: Decimal
    coded: bool
    stock: Decimal


@dataclass(frozen=True, slots=True)
class CustomerHit:
    id: int
    code: str
    name: str
    contact: str
    phone: str
    address: str
    channel: str
    tier: str
    settlement: str
    credit_limit: Decimal
    credit_policy: str
    freight_station: str
    freight_phone: str
    store_code: str
    ledger_code: str
    balance: Decimal

    @property
    def credit_available(self) -> Decimal:
        return self.credit_limit - self.balance


def product_hit(session: Session, p: Product, stock: Decimal | None = None) -> ProductHit:
    assert p.id is not None
    return ProductHit(
        id=p.id,
        code=p.code,
        barcode=p.barcode or "",
        name=p.name,
        spec=p.spec,
        unit=p.unit,
        case_size=p.case_size,
        list_price=p.list_price,
        floor_price=p.floor_price,
        tax_rate=p.tax_rate,
        coded=p.coded,
        stock=stock if stock is not None else stock_of(session, p.id),
    )


def customer_hit(session: Session, c: Customer) -> CustomerHit:
    assert c.id is not None
    ledger = session.get(Ledger, c.ledger_id) if c.ledger_id is not None else None
    return CustomerHit(
        id=c.id,
        code=c.code,
        name=c.name,
        contact=c.contact,
        phone=c.phone,
        address=c.address,
        channel=c.channel,
        tier=c.tier,
        settlement=c.settlement,
        credit_limit=c.credit_limit,
        credit_policy=c.credit_policy,
        freight_station=c.freight_station,
        freight_phone=c.freight_phone,
        store_code=c.store_code,
        ledger_code=ledger.code if ledger is not None else "",
        balance=accounts.balance(session, c.id),
    )


def search_products(db: Database, query: str, limit: int = 20) -> list[ProductHit]:
    with db.read() as session:
        found = search.find_products(session, query, limit)
        stock = stock_totals(session, [p.id for p in found if p.id is not None])
        return [product_hit(session, p, stock.get(p.id or 0, Decimal("0"))) for p in found]


def search_customers(db: Database, query: str, limit: int = 20) -> list[CustomerHit]:
    with db.read() as session:
        return [customer_hit(session, c) for c in search.find_customers(session, query, limit)]


def reindex(db: Database) -> int:
    """Rebuild the product and customer lookup index; how many rows it holds."""
    with db.write() as session:
        return search.reindex(session)


def standing(db: Database, customer_id: int) -> tuple[Aging, int]:
    """What the order screen's credit banner adds once counted: the customer's aging
    (逾期) and how many return copies (回单) are still out."""
    with db.read() as session:
        return accounts.aging(session, customer_id), missing_return_copies(session, customer_id)


def recent_drivers(db: Database, *, days: int = 90, limit: int = 30) -> list[str]:
    """送货 names on the slips of the last ``days`` days, most used first: what the order
    screen's 送货 field suggests (自提 included: the counter's own)."""
    from sqlalchemy import func
    from sqlmodel import col, select

    from kaidan_tui.db.models import Slip
    from kaidan_tui.domain import clock

    since = clock.today() - timedelta(days=days)
    with db.read() as session:
        rows = session.exec(
            select(Slip.delivery, func.count())
            .where(col(Slip.business_date) >= since, Slip.delivery != "")
            .group_by(col(Slip.delivery))
            .order_by(func.count().desc(), col(Slip.delivery))
            .limit(limit)
        ).all()
    names = [name for name, _n in rows]
    return names if "自提" in names else [*names, "自提"]
