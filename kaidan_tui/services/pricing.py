"""Gathers the price facts for customer × product × date (D12) from the store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from sqlalchemy import BindParameter, bindparam, or_, text
from sqlmodel import Session, col, select

from kaidan_tui.db.columns import Money, Qty
from kaidan_tui.db.models import (
    AgreedPrice,
    Customer,
    CustomerLastPrice,
    Product,
    Slip,
    SlipLine,
    TierPrice,
)
from kaidan_tui.domain import clock
from kaidan_tui.domain.enums import SlipStatus
from kaidan_tui.domain.pricing import PriceFacts
from kaidan_tui.domain.slip_kinds import CHARGING


@dataclass(frozen=True, slots=True)
class LastPrice:
    price: Decimal
    qty: Decimal
    number: str
    when: date


def last_prices(
    session: Session, customer_id: int, product_id: int, limit: int = 5
) -> list[LastPrice]:
    """The prices this customer paid for this product, newest first (posted sales only)."""
    stmt = (
        select(col(SlipLine.price), col(SlipLine.qty), col(Slip.number), col(Slip.business_date))
        .join(Slip, col(Slip.id) == SlipLine.slip_id)
        .where(
            Slip.customer_id == customer_id,
            SlipLine.product_id == product_id,
            col(Slip.type).in_(CHARGING),
            col(Slip.status).in_([SlipStatus.POSTED.value, SlipStatus.REVERSED.value]),
            SlipLine.is_gift == False,  # noqa: E712
        )
        .order_by(col(Slip.posted_at).desc(), col(Slip.id).desc())
        .limit(limit)
    )
    return [LastPrice(p, q, n or "", d) for p, q, n, d in session.exec(stmt).all()]


def price_facts(
    session: Session, customer: Customer | None, product: Product, on: date | None = None
) -> PriceFacts:
    """Everything known about this product's price for this customer on this day."""
    return price_facts_many(session, customer, [product], on)[product.id or 0]


_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_TIER_PRICES = select(col(TierPrice.product_id), col(TierPrice.price)).where(
    col(TierPrice.product_id).in_(_IDS), TierPrice.tier == bindparam("tier")
)
_AGREED_PRICES = (
    select(col(AgreedPrice.product_id), col(AgreedPrice.price))
    .where(
        AgreedPrice.customer_id == bindparam("customer"),
        col(AgreedPrice.product_id).in_(_IDS),
        or_(col(AgreedPrice.valid_from).is_(None), col(AgreedPrice.valid_from) <= bindparam("on")),
        or_(col(AgreedPrice.valid_to).is_(None), col(AgreedPrice.valid_to) >= bindparam("on")),
    )
    .order_by(col(AgreedPrice.valid_from).desc(), col(AgreedPrice.id).desc())
)
_LAST_PRICES = select(col(CustomerLastPrice.product_id), col(CustomerLastPrice.price)).where(
    CustomerLastPrice.customer_id == bindparam("customer"),
    col(CustomerLastPrice.product_id).in_(_IDS),
)


def price_facts_many(
    session: Session, customer: Customer | None, products: list[Product], on: date | None = None
) -> dict[int, PriceFacts]:
    """``price_facts`` for many products in three prebuilt statements (a whole slip at once)."""
    on = on or clock.today()
    ids = [p.id for p in products if p.id is not None]
    tier_prices: dict[int, Decimal] = {}
    agreed: dict[int, Decimal] = {}
    last: dict[int, Decimal] = {}
    tier = customer.tier if customer is not None else ""
    conn = session.connection()
    if tier and ids:
        for pid, price in conn.execute(_TIER_PRICES, {"ids": ids, "tier": tier}):
            tier_prices[pid] = price
    if customer is not None and customer.id is not None and ids:
        args = {"ids": ids, "customer": customer.id, "on": on}
        for pid, price in conn.execute(_AGREED_PRICES, args):
            agreed.setdefault(pid, price)
        for pid, price in conn.execute(_LAST_PRICES, args):
            last.setdefault(pid, price)
    return {
        p.id: PriceFacts(
            list_price=p.list_price,
            tier_price=tier_prices.get(p.id),
            tier_name=tier or None,
            agreed_price=agreed.get(p.id),
            floor_price=p.floor_price,
            last_price=last.get(p.id),
        )
        for p in products
        if p.id is not None
    }


_LAST_PRICE = text(
    "INSERT INTO customer_last_price (customer_id, product_id, price, qty, slip_id, posted_at) "
    "VALUES (:c, :p, :price, :qty, :s, :at) ON CONFLICT (customer_id, product_id) DO UPDATE SET "
    "price = excluded.price, qty = excluded.qty, slip_id = excluded.slip_id, "
    "posted_at = excluded.posted_at"
).bindparams(
    bindparam("price", type_=Money()),
    bindparam("qty", type_=Qty()),
    bindparam("at", type_=CustomerLastPrice.__table__.c.posted_at.type),  # type: ignore[attr-defined]
)


class PostedSale(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def customer_id(self) -> int | None: ...
    @property
    def business_date(self) -> date: ...
    @property
    def posted_at(self) -> datetime | None: ...


class PaidLine(Protocol):
    @property
    def product_id(self) -> int: ...
    @property
    def qty(self) -> Decimal: ...
    @property
    def price(self) -> Decimal: ...
    @property
    def is_gift(self) -> bool: ...


def remember_last_prices(session: Session, slip: PostedSale, lines: Sequence[PaidLine]) -> None:
    """After a sale is posted: these are now the customer's last prices (gifts excluded)."""
    if slip.customer_id is None or slip.type not in CHARGING or slip.posted_at is None:
        return
    if slip.business_date < slip.posted_at.date() - timedelta(days=1):
        return  # a back-dated slip (补单) is not the customer's latest price
    paid = {ln.product_id: ln for ln in lines if not ln.is_gift}
    if paid:
        session.connection().execute(
            _LAST_PRICE,
            [
                {
                    "c": slip.customer_id,
                    "p": pid,
                    "price": ln.price,
                    "qty": ln.qty,
                    "s": slip.id,
                    "at": slip.posted_at,
                }
                for pid, ln in paid.items()
            ],
        )
