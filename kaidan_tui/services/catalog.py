"""Products and customers as the screens and the CLI see them: search hits, balances."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, func
from sqlmodel import Session, col, select

from kaidan_tui.db import search
from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Customer, Ledger, Product, Slip, Stock, Warehouse
from kaidan_tui.domain.credit import Aging
from kaidan_tui.domain.enums import CREDIT_SETTLEMENTS, SlipStatus
from kaidan_tui.domain.errors import NotFound
from kaidan_tui.domain.slip_kinds import CHARGING
from kaidan_tui.services import accounts


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


def stock_of(session: Session, product_id: int, warehouse_id: int | None = None) -> Decimal:
    stmt = select(func.sum(Stock.qty)).where(Stock.product_id == product_id)
    if warehouse_id is not None:
        stmt = stmt.where(Stock.warehouse_id == warehouse_id)
    value = session.exec(stmt).one()
    return Decimal(value) if value is not None else Decimal("0")


def stock_by_warehouse(session: Session, product_id: int) -> list[tuple[str, Decimal]]:
    stmt = (
        select(col(Warehouse.name), col(Stock.qty))
        .join(Warehouse, col(Warehouse.id) == Stock.warehouse_id)
        .where(Stock.product_id == product_id)
        .order_by(Warehouse.code)
    )
    return [(name, qty) for name, qty in session.exec(stmt).all()]


def stock_totals(session: Session, product_ids: list[int]) -> dict[int, Decimal]:
    """On-hand quantity over all warehouses, for many products in one query."""
    rows = session.exec(
        select(col(Stock.product_id), func.sum(Stock.qty))
        .where(col(Stock.product_id).in_(product_ids))
        .group_by(col(Stock.product_id))
    ).all()
    return {pid: Decimal(q) for pid, q in rows if q is not None}


_ON_HAND = select(col(Stock.product_id), col(Stock.qty)).where(
    col(Stock.product_id).in_(bindparam("ids", expanding=True)),
    Stock.warehouse_id == bindparam("warehouse"),
)


def on_hand(session: Session, product_ids: list[int], warehouse_id: int) -> dict[int, Decimal]:
    """On-hand quantity in one warehouse (the one a slip draws from), many products at once."""
    if not product_ids:
        return {}
    rows = session.connection().execute(_ON_HAND, {"ids": product_ids, "warehouse": warehouse_id})
    return {pid: qty for pid, qty in rows}


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


def product_by_code(session: Session, code: str) -> Product:
    key = code.strip().upper()
    product = session.exec(select(Product).where(Product.code == key)).first()
    if product is None and key:
        product = session.exec(select(Product).where(Product.barcode == code.strip())).first()
    if product is None:
        raise NotFound(
            f"没有编码或条码为「{code}」的商品，请检查编码或用拼音首字母查找。", field="product"
        )
    if not product.active:
        raise NotFound(f"商品「{product.code} {product.name}」已停用，不能开单。", field="product")
    return product


_CUSTOMER_BY_CODE = select(Customer).where(Customer.code == bindparam("code"))
_PRODUCTS_BY_CODE = select(Product).where(col(Product.code).in_(bindparam("keys", expanding=True)))
_PRODUCTS_BY_BARCODE = select(Product).where(
    col(Product.barcode).in_(bindparam("keys", expanding=True))
)


def customer_by_code(session: Session, code: str) -> Customer:
    customer = session.exec(_CUSTOMER_BY_CODE, params={"code": code.strip().upper()}).first()
    if customer is None:
        raise NotFound(
            f"没有编码为「{code}」的客户，请检查编码或用拼音首字母查找。", field="customer"
        )
    if not customer.active:
        raise NotFound(
            f"客户「{customer.code} {customer.name}」已停用，不能开单。", field="customer"
        )
    return customer


def products_by_codes(session: Session, codes: list[str]) -> dict[str, Product]:
    """Code (or barcode) → active product, in two queries; unknown codes are left out."""
    keys = {c.strip().upper() for c in codes if c.strip()}
    found: dict[str, Product] = {}
    for p in session.exec(_PRODUCTS_BY_CODE, params={"keys": list(keys)}).all():
        found[p.code] = p
    missing = {c.strip() for c in codes if c.strip() and c.strip().upper() not in found}
    if missing:
        for p in session.exec(_PRODUCTS_BY_BARCODE, params={"keys": list(missing)}).all():
            if p.barcode:
                found[p.barcode.upper()] = p
    return {k: v for k, v in found.items() if v.active}


def missing_return_copies(session: Session, customer_id: int) -> int:
    """回单: the customer's posted credit sales whose signed return copy is not back."""
    from kaidan_tui.db.models import ReturnCopy

    back = select(ReturnCopy.slip_id).where(ReturnCopy.slip_id == Slip.id)
    return int(
        session.exec(
            select(func.count())
            .select_from(Slip)
            .where(
                Slip.customer_id == customer_id,
                col(Slip.type).in_(CHARGING),
                Slip.status == SlipStatus.POSTED.value,
                col(Slip.settlement).in_([s.value for s in CREDIT_SETTLEMENTS]),
                ~back.exists(),
            )
        ).one()
    )


def reindex(db: Database) -> int:
    """Rebuild the product and customer lookup index; how many rows it holds."""
    with db.write() as session:
        return search.reindex(session)


def standing(db: Database, customer_id: int) -> tuple[Aging, int]:
    """What the order screen's credit banner adds once counted: the customer's aging
    (逾期) and how many return copies (回单) are still out."""
    with db.read() as session:
        return accounts.aging(session, customer_id), missing_return_copies(session, customer_id)
