"""Import products, customers, prices and stock from CSV (UTF-8, UTF-8 BOM, GBK) or XLSX.

All rows or none: every row is checked first, every problem is listed by row and column,
and only a clean file is written, in one transaction. ``dry_run`` checks without writing.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import (
    Customer,
    Ledger,
    Product,
    Stock,
    StockMovement,
    Warehouse,
)
from kaidan_tui.domain.enums import Channel, CreditPolicy, Settlement
from kaidan_tui.domain.money import (
    parse_amount,
    parse_price,
)
from kaidan_tui.services import audit
from kaidan_tui.services.import_table import (
    MAX_PROBLEMS_SHOWN as MAX_PROBLEMS_SHOWN,
)
from kaidan_tui.services.import_table import (
    MAX_ROWS as MAX_ROWS,
)
from kaidan_tui.services.import_table import (
    ImportFailed as ImportFailed,
)
from kaidan_tui.services.import_table import (
    ImportResult as ImportResult,
)
from kaidan_tui.services.import_table import (
    Problem as Problem,
)
from kaidan_tui.services.import_table import (
    _bool,
    _check_unique,
    _enum,
    _int,
    _policy,
    _rate,
    _Row,
    _stock_qty,
    _upsert_by_code,
    map_columns,
)
from kaidan_tui.services.import_table import (
    decode_csv_bytes as decode_csv_bytes,
)
from kaidan_tui.services.import_table import (
    read_table as read_table,
)
from kaidan_tui.services.price_import import _prices

# --- products ------------------------------------------------------------------------

PRODUCT_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("编码", "商品编码"),
    "name": ("名称", "品名", "商品名称"),
    "spec": ("规格",),
    "unit": ("单位",),
    "price": ("单价", "价格", "list_price"),
    "barcode": ("条码",),
    "case_size": ("箱规",),
    "floor_price": ("最低价", "最低限价"),
    "tax_rate": ("税率",),
    "coded": ("瓶码", "需瓶码"),
    "cost": ("成本", "成本价"),
    "category": ("类别", "分类"),
}


_PRODUCT_FIELD = {"list_price": "price"}
_CUSTOMER_FIELD = {"ledger_id": "ledger"}


def _products(
    session: Session, header: list[str], body: list[tuple[int, list[str]]], dry: bool
) -> ImportResult:
    index = map_columns(header, PRODUCT_COLUMNS, ("code", "name", "spec", "unit", "price"))
    problems: list[Problem] = []
    parsed: list[dict[str, Any]] = []
    for number, cells in body:
        r = _Row(number, cells, index, problems)
        item: dict[str, Any] = {
            "code": r.need("code").upper(),
            "name": r.need("name"),
            "spec": r.get("spec"),
            "unit": r.need("unit"),
            "list_price": r.parsed("price", lambda t: parse_price(t, allow_zero=False)),
            "barcode": r.get("barcode") or None,
            "case_size": r.parsed("case_size", _int, optional=True) or 1,
            "floor_price": r.parsed("floor_price", parse_price, optional=True),
            "cost": r.parsed("cost", parse_price, optional=True),
            "tax_rate": r.parsed("tax_rate", _rate, optional=True),
            "coded": r.parsed("coded", _bool, optional=True) or False,
            "category": r.get("category"),
        }
        if item["barcode"] and not str(item["barcode"]).isdigit():
            r.bad("barcode", f"条码「{item['barcode']}」只能是数字")
        lp, fp = item["list_price"], item["floor_price"]
        if lp is not None and fp is not None and fp > lp:
            r.bad("floor_price", f"最低价 {fp} 高于单价 {lp}")
        if item["tax_rate"] is None:
            item["tax_rate"] = Decimal("0.13")
        # Only the columns the file has: a short file must not wipe what it does not mention.
        item = {k: v for k, v in item.items() if _PRODUCT_FIELD.get(k, k) in index}
        parsed.append(item | {"_row": number})
    _check_unique([(p["_row"], p["code"]) for p in parsed], "code", problems)
    _check_unique([(p["_row"], p.get("barcode") or "") for p in parsed], "barcode", problems)
    if problems:
        raise ImportFailed(problems)
    existing = {p.code: p for p in session.exec(select(Product)).all()}
    owner = {p.barcode: p.code for p in existing.values() if p.barcode}
    for item in parsed:
        code, barcode = item["code"], item.get("barcode")
        if barcode and owner.get(barcode, code) != code:
            problems.append(
                Problem(item["_row"], "barcode", f"条码「{barcode}」已属于商品「{owner[barcode]}」")
            )
    if problems:
        raise ImportFailed(problems)
    return _upsert_by_code(session, Product, "products", parsed, existing, dry)


# --- customers -----------------------------------------------------------------------

CUSTOMER_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("编码", "客户编码"),
    "name": ("名称", "客户名称", "单位"),
    "contact": ("联系人",),
    "phone": ("电话",),
    "address": ("地址", "送货地址"),
    "channel": ("渠道",),
    "tier": ("价格等级",),
    "settlement": ("结算方式",),
    "credit_limit": ("信用额度",),
    "credit_policy": ("超额处理",),
    "freight_station": ("托运部",),
    "freight_phone": ("托运部电话",),
    "store_code": ("门店编码",),
    "ledger": ("账套",),
}


def _customers(
    session: Session, header: list[str], body: list[tuple[int, list[str]]], dry: bool
) -> ImportResult:
    index = map_columns(header, CUSTOMER_COLUMNS, ("code", "name"))
    ledgers = {lg.code: lg.id for lg in session.exec(select(Ledger)).all()}
    problems: list[Problem] = []
    parsed: list[dict[str, Any]] = []
    for number, cells in body:
        r = _Row(number, cells, index, problems)
        ledger_code = r.get("ledger").upper()
        if ledger_code and ledger_code not in ledgers:
            r.bad("ledger", f"账套「{ledger_code}」不存在")
        item: dict[str, Any] = {
            "code": r.need("code").upper(),
            "name": r.need("name"),
            "contact": r.get("contact"),
            "phone": r.get("phone"),
            "address": r.get("address"),
            "channel": r.parsed("channel", _enum((c.value for c in Channel), "渠道"), optional=True)
            or "直销",
            "tier": r.get("tier"),
            "settlement": r.parsed(
                "settlement", _enum((s.value for s in Settlement), "结算方式"), optional=True
            )
            or "现款",
            "credit_limit": r.parsed(
                "credit_limit", lambda t: parse_amount(t, what="信用额度"), optional=True
            )
            or Decimal("0.00"),
            "credit_policy": r.parsed("credit_policy", _policy, optional=True)
            or CreditPolicy.APPROVE.value,
            "freight_station": r.get("freight_station"),
            "freight_phone": r.get("freight_phone"),
            "store_code": r.get("store_code"),
            "ledger_id": ledgers.get(ledger_code) if ledger_code else None,
        }
        if item["credit_limit"] < 0:
            r.bad("credit_limit", "信用额度不能为负")
        item = {k: v for k, v in item.items() if _CUSTOMER_FIELD.get(k, k) in index}
        parsed.append(item | {"_row": number})
    _check_unique([(p["_row"], p["code"]) for p in parsed], "code", problems)
    if problems:
        raise ImportFailed(problems)
    existing = {c.code: c for c in session.exec(select(Customer)).all()}
    return _upsert_by_code(session, Customer, "customers", parsed, existing, dry)


# --- stock ---------------------------------------------------------------------------

STOCK_COLUMNS: dict[str, tuple[str, ...]] = {
    "product": ("商品编码", "商品"),
    "warehouse": ("仓库",),
    "qty": ("数量", "库存"),
}


def _stock(
    session: Session,
    header: list[str],
    body: list[tuple[int, list[str]]],
    dry: bool,
    user_id: int | None,
) -> ImportResult:
    index = map_columns(header, STOCK_COLUMNS, ("product", "qty"))
    products = {p.code: p.id for p in session.exec(select(Product)).all()}
    warehouses = {w.code: w.id for w in session.exec(select(Warehouse)).all()}
    default_wh = session.exec(select(Warehouse).order_by(Warehouse.is_default.desc())).first()  # type: ignore[attr-defined]
    problems: list[Problem] = []
    targets: dict[tuple[int, int], tuple[int, Decimal]] = {}
    for number, cells in body:
        r = _Row(number, cells, index, problems)
        code = r.need("product").upper()
        if code and code not in products:
            r.bad("product", f"商品「{code}」不存在")
        wh_code = r.get("warehouse").upper()
        wh_id = warehouses.get(wh_code) if wh_code else (default_wh.id if default_wh else None)
        if wh_id is None:
            r.bad("warehouse", f"仓库「{wh_code}」不存在")
        qty = r.parsed("qty", _stock_qty)
        pid = products.get(code)
        if pid is None or wh_id is None or qty is None:
            continue
        if (pid, wh_id) in targets:
            r.bad("product", f"与第 {targets[(pid, wh_id)][0]} 行重复（同一商品同一仓库）")
        targets[(pid, wh_id)] = (number, qty)
    if problems:
        raise ImportFailed(problems)
    result = ImportResult("stock", len(body), dry_run=dry)
    for (pid, wh_id), (_, qty) in targets.items():
        stock = session.get(Stock, (pid, wh_id))
        current = stock.qty if stock is not None else Decimal("0")
        delta = qty - current
        if delta == 0:
            continue
        result.updated += 1
        if dry:
            continue
        session.add(
            StockMovement(
                product_id=pid,
                warehouse_id=wh_id,
                qty=delta,
                kind="opening" if stock is None else "adjust",
                user_id=user_id,
                remarks="导入库存",
            )
        )
        if stock is None:
            session.add(Stock(product_id=pid, warehouse_id=wh_id, qty=qty))
        else:
            stock.qty = qty
            session.add(stock)
    return result


KINDS = ("products", "customers", "prices", "stock")


class _DryRun(Exception):
    def __init__(self, result: ImportResult) -> None:
        self.result = result


def import_file(
    db: Database, kind: str, path: Path, *, dry_run: bool = False, user_id: int | None = None
) -> ImportResult:
    """Check every row, then write all of them in one transaction (or none)."""
    if kind not in KINDS:
        raise ImportFailed([], summary=f"不认识的导入类型「{kind}」，可选：{'、'.join(KINDS)}")
    header, body = read_table(path)
    try:
        with db.write() as session:
            if kind == "products":
                result = _products(session, header, body, dry_run)
            elif kind == "customers":
                result = _customers(session, header, body, dry_run)
            elif kind == "prices":
                result = _prices(session, header, body, dry_run)
            else:
                result = _stock(session, header, body, dry_run, user_id)
            if dry_run:
                raise _DryRun(result)  # roll back whatever a check may have touched
            session.flush()
            audit.append(
                session,
                f"import.{kind}",
                user_id=user_id,
                file=path.name,
                rows=result.rows,
                created=result.created,
                updated=result.updated,
            )
    except _DryRun as dry:
        return dry.result
    return result
