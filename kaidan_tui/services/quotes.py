"""What order entry needs per keystroke and per line: products by exact code, the match
list's prices and stock, the policy price with everything behind it (the price panel),
and a live check of a slip."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlmodel import col, select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Product
from kaidan_tui.db.queries.catalog import customer_by_code, on_hand, stock_by_warehouse
from kaidan_tui.domain.enums import PriceSource, SlipType
from kaidan_tui.domain.errors import KaidanError, PolicyIssue
from kaidan_tui.domain.pricing import PriceFacts, start_price
from kaidan_tui.services import settings
from kaidan_tui.services.catalog import CustomerHit, ProductHit, customer_hit, product_hit
from kaidan_tui.services.pricing import LastPrice, last_prices, price_facts, price_facts_many
from kaidan_tui.services.slips import SlipIn, prepare
from kaidan_tui.services.store import config


@dataclass(frozen=True, slots=True)
class Quote:
    """The price panel of one product for one customer."""

    product: ProductHit
    price: Decimal
    source: PriceSource
    facts: PriceFacts
    history: list[LastPrice]
    stock: list[tuple[str, Decimal]]
    cost: Decimal | None  # shown to supervisors only


def exact_product(db: Database, text: str) -> ProductHit | None:
    """A product by exact code or barcode (a scanner's burst), else None."""
    key = text.strip()
    if not key:
        return None
    with db.read() as session:
        p = session.exec(select(Product).where(Product.code == key.upper())).first()
        if p is None:
            p = session.exec(select(Product).where(Product.barcode == key)).first()
        if p is None or not p.active:
            return None
        return product_hit(session, p)


@dataclass(frozen=True, slots=True)
class Offer:
    """A product of the match list as the slip being typed would get it."""

    price: Decimal  # the policy price the line would be prefilled with
    last_price: Decimal | None  # what this customer paid the last time
    stock: Decimal  # on hand in the warehouse the slip draws from


def offers(
    db: Database,
    customer_code: str | None,
    product_ids: list[int],
    slip_type: SlipType = SlipType.SALE,
) -> dict[int, Offer]:
    """Prices and stock for the match list's dozen products, in five queries."""
    if not product_ids:
        return {}
    with db.read() as session:
        cust = customer_by_code(session, customer_code) if customer_code else None
        products = list(session.exec(select(Product).where(col(Product.id).in_(product_ids))))
        facts = price_facts_many(session, cust, products)
        order = settings.price_order(session)
        warehouse = config(session).default_warehouse
        stock = on_hand(session, product_ids, warehouse.id) if warehouse is not None else {}
        by_id = {p.id: p for p in products}
        return {
            pid: Offer(
                start_price(slip_type, f, order, by_id[pid].cost).price,
                f.last_price,
                stock.get(pid, Decimal("0")),
            )
            for pid, f in facts.items()
        }


def customer(db: Database, code: str) -> CustomerHit:
    with db.read() as session:
        return customer_hit(session, customer_by_code(session, code))


def quote(
    db: Database,
    customer_code: str | None,
    product_code: str,
    slip_type: SlipType = SlipType.SALE,
    on: date | None = None,
) -> Quote:
    with db.read() as session:
        cust = customer_by_code(session, customer_code) if customer_code else None
        p = session.exec(select(Product).where(Product.code == product_code.upper())).one()
        facts = price_facts(session, cust, p, on)
        start = start_price(slip_type, facts, settings.price_order(session), p.cost)
        history = last_prices(session, cust.id or 0, p.id or 0) if cust is not None else []
        return Quote(
            product=product_hit(session, p),
            price=start.price,
            source=start.source,
            facts=facts,
            history=history,
            stock=stock_by_warehouse(session, p.id or 0),
            cost=p.cost,
        )


@dataclass(slots=True)
class SlipCheck:
    """A live check of the slip being typed: totals and every problem, never an exception."""

    total_qty: Decimal = Decimal("0")
    total_amount: Decimal = Decimal("0.00")
    issues: list[PolicyIssue] = field(default_factory=list)
    error: KaidanError | None = None
    subtotal: Decimal = Decimal("0.00")
    amounts: tuple[Decimal, ...] = ()
    """Each line's amount as it will post (a return against a slip refunds what was paid)."""
    key: tuple[object, ...] = ()
    """:func:`slip_key` of the slip checked: the screen uses these figures only for it."""

    @property
    def discount(self) -> Decimal:
        return self.subtotal - self.total_amount

    @property
    def needs_approval(self) -> list[PolicyIssue]:
        return [i for i in self.issues if i.blocking and i.needs_approval]

    @property
    def refused(self) -> list[PolicyIssue]:
        return [i for i in self.issues if i.blocking and not i.needs_approval]


def slip_key(slip_in: SlipIn) -> tuple[object, ...]:
    """What the money of a typed slip depends on."""
    lines = tuple((ln.product, ln.qty, ln.price, ln.is_gift) for ln in slip_in.lines)
    return (slip_in.type, slip_in.customer, slip_in.against, slip_in.discount, lines)


def check(db: Database, slip_in: SlipIn, *, replacing: str | None = None) -> SlipCheck:
    """The slip as :func:`~kaidan_tui.services.slips.prepare` sees it: the figures the
    order screen and its confirm panel show are these, never worked out on the screen."""
    key = slip_key(slip_in)
    with db.read() as session:
        try:
            prep = prepare(session, slip_in, replacing=replacing)
        except KaidanError as exc:
            return SlipCheck(error=exc, key=key)
        return SlipCheck(
            prep.total_qty,
            prep.total_amount,
            prep.issues,
            subtotal=prep.subtotal,
            amounts=tuple(ln.amount for ln in prep.lines),
            key=key,
        )
