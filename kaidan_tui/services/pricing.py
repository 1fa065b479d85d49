"""Gathers the price facts for customer × product × date (D12) from the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import or_
from sqlmodel import Session, col, select

from kaidan_tui.db.models import AgreedPrice, Customer, Product, Slip, SlipLine, TierPrice
from kaidan_tui.domain.enums import SlipStatus, SlipType
from kaidan_tui.domain.pricing import PriceFacts


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
            Slip.type == SlipType.SALE.value,
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
    on = on or datetime.now().date()
    tier_price: Decimal | None = None
    agreed: Decimal | None = None
    last: Decimal | None = None
    tier = customer.tier if customer is not None else ""
    if tier:
        tier_price = session.exec(
            select(col(TierPrice.price)).where(
                TierPrice.product_id == product.id, TierPrice.tier == tier
            )
        ).first()
    if customer is not None and customer.id is not None and product.id is not None:
        agreed = session.exec(
            select(col(AgreedPrice.price))
            .where(
                AgreedPrice.customer_id == customer.id,
                AgreedPrice.product_id == product.id,
                or_(col(AgreedPrice.valid_from).is_(None), col(AgreedPrice.valid_from) <= on),
                or_(col(AgreedPrice.valid_to).is_(None), col(AgreedPrice.valid_to) >= on),
            )
            .order_by(col(AgreedPrice.valid_from).desc(), col(AgreedPrice.id).desc())
        ).first()
        history = last_prices(session, customer.id, product.id, limit=1)
        last = history[0].price if history else None
    return PriceFacts(
        list_price=product.list_price,
        tier_price=tier_price,
        tier_name=tier or None,
        agreed_price=agreed,
        floor_price=product.floor_price,
        last_price=last,
    )
