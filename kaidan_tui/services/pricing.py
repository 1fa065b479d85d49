"""Gathers the price facts for customer × product × date (D12) from the store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import (
    BindParameter,
    CompoundSelect,
    Date,
    Integer,
    String,
    bindparam,
    cast,
    literal_column,
    null,
    or_,
    union_all,
)
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from kaidan_tui.db.bulk import Bulk
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
_AGREED = core_select(
    literal_column("'a'", String),
    col(AgreedPrice.product_id),
    col(AgreedPrice.price),
    col(AgreedPrice.valid_from),
    col(AgreedPrice.id),
).where(
    col(AgreedPrice.customer_id) == bindparam("customer"),
    col(AgreedPrice.product_id).in_(_IDS),
    or_(col(AgreedPrice.valid_from).is_(None), col(AgreedPrice.valid_from) <= bindparam("on")),
    or_(col(AgreedPrice.valid_to).is_(None), col(AgreedPrice.valid_to) >= bindparam("on")),
)
_LAST = core_select(
    literal_column("'l'", String),
    col(CustomerLastPrice.product_id),
    col(CustomerLastPrice.price),
    cast(null(), Date),
    cast(null(), Integer),
).where(
    col(CustomerLastPrice.customer_id) == bindparam("customer"),
    col(CustomerLastPrice.product_id).in_(_IDS),
)
_TIER = core_select(
    literal_column("'t'", String),
    col(TierPrice.product_id),
    col(TierPrice.price),
    cast(null(), Date),
    cast(null(), Integer),
).where(col(TierPrice.product_id).in_(_IDS), col(TierPrice.tier) == bindparam("tier"))
if TYPE_CHECKING:  # SQLAlchemy 2.1 types a select by its columns; 2.0 does not
    _Rows = CompoundSelect[str, int, Decimal, date | None, int | None]
# One statement for a whole slip: agreed first (its columns type the union's).
_CUSTOMER_PRICES: _Rows = union_all(_AGREED, _LAST)
_CUSTOMER_AND_TIER_PRICES: _Rows = union_all(_AGREED, _LAST, _TIER)


def price_facts_many(
    session: Session, customer: Customer | None, products: list[Product], on: date | None = None
) -> dict[int, PriceFacts]:
    """``price_facts`` for many products in one prebuilt statement (a whole slip at once).

    Of several agreements in force, the one that started last wins (an open start counts
    as the oldest; ties go to the newer row), chosen here so both databases agree on
    where NULL sorts.
    """
    on = on or clock.today()
    ids = [p.id for p in products if p.id is not None]
    tier_prices: dict[int, Decimal] = {}
    agreed: dict[int, tuple[tuple[date, int], Decimal]] = {}
    last: dict[int, Decimal] = {}
    tier = customer.tier if customer is not None else ""
    if customer is not None and customer.id is not None and ids:
        stmt = _CUSTOMER_AND_TIER_PRICES if tier else _CUSTOMER_PRICES
        args = {"ids": ids, "customer": customer.id, "on": on, "tier": tier}
        for kind, pid, price, valid_from, row_id in session.connection().execute(stmt, args):
            if kind == "a":
                rank = (valid_from or date.min, row_id or 0)
                if pid not in agreed or rank > agreed[pid][0]:
                    agreed[pid] = (rank, price)
            elif kind == "l":
                last[pid] = price
            else:
                tier_prices[pid] = price
    return {
        p.id: PriceFacts(
            list_price=p.list_price,
            tier_price=tier_prices.get(p.id),
            tier_name=tier or None,
            agreed_price=agreed[p.id][1] if p.id in agreed else None,
            floor_price=p.floor_price,
            last_price=last.get(p.id),
        )
        for p in products
        if p.id is not None
    }


_LAST_PRICE = Bulk(
    CustomerLastPrice.__table__,  # type: ignore[attr-defined]
    ("customer_id", "product_id", "price", "qty", "slip_id", "posted_at"),
    tail="ON CONFLICT (customer_id, product_id) DO UPDATE SET price = excluded.price, "
    "qty = excluded.qty, slip_id = excluded.slip_id, posted_at = excluded.posted_at",
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
        _LAST_PRICE.run(
            session.connection(),
            (
                (slip.customer_id, pid, ln.price, ln.qty, slip.id, slip.posted_at)
                for pid, ln in paid.items()
            ),
        )
