"""Products, customers and stock as a transaction sees them (the caller's session)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import bindparam, func
from sqlmodel import Session, col, select

from kaidan_tui.db.models import Customer, Product, ReturnCopy, Slip, Stock, Warehouse
from kaidan_tui.domain.enums import CREDIT_SETTLEMENTS, SlipStatus
from kaidan_tui.domain.errors import NotFound
from kaidan_tui.domain.slip_kinds import CHARGING


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
