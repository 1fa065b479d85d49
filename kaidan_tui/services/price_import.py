"""Importing price lists: tier prices (价格等级) and agreed prices (协议价) per customer,
with 商超 tax-exclusive prices converted (D8)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, select

from kaidan_tui.db.models import (
    AgreedPrice,
    Customer,
    Product,
    TierPrice,
)
from kaidan_tui.domain.enums import Channel
from kaidan_tui.domain.errors import KaidanError
from kaidan_tui.domain.money import (
    parse_price,
)
from kaidan_tui.domain.pricing import tax_inclusive_unit_price
from kaidan_tui.services.import_table import (
    ImportFailed,
    ImportResult,
    Problem,
    _date,
    _int,
    _Row,
    map_columns,
)

# --- prices --------------------------------------------------------------------------

PRICE_COLUMNS: dict[str, tuple[str, ...]] = {
    "product": ("商品编码", "商品"),
    "price": ("单价", "价格", "含税单价", "含税价"),
    "price_ex_tax": ("不含税单价", "不含税价"),
    "pack": ("每件数量",),
    "tier": ("价格等级",),
    "customer": ("客户编码", "客户"),
    "valid_from": ("生效日期",),
    "valid_to": ("失效日期",),
}

_SUPERMARKET = Channel.SUPERMARKET.value


def _positive_price(text: str) -> Decimal:
    return parse_price(text, allow_zero=False)


@dataclass(frozen=True)
class _PriceBook:
    """What a price row is checked against: the products and customers in the store."""

    products: dict[str, Product]
    customers: dict[str, int | None]
    channel_of: dict[str, str]
    tier_channels: dict[str, set[str]]
    """Price tier → the channels of the customers on it (商超-only tiers may be ex-tax)."""


def _price_book(session: Session) -> _PriceBook:
    customer_rows = session.exec(select(Customer)).all()
    tier_channels: dict[str, set[str]] = {}
    for c in customer_rows:
        if c.tier:
            tier_channels.setdefault(c.tier, set()).add(c.channel)
    return _PriceBook(
        products={p.code: p for p in session.exec(select(Product)).all()},
        customers={c.code: c.id for c in customer_rows},
        channel_of={c.code: c.channel for c in customer_rows},
        tier_channels=tier_channels,
    )


@dataclass(frozen=True)
class _PriceRow:
    product_id: int
    price: Decimal
    tier: str
    customer: str
    valid_from: date | None
    valid_to: date | None
    converted: bool
    """The price was given tax-exclusive (商超 PO) and converted."""


def _price_row(r: _Row, book: _PriceBook) -> _PriceRow | None:
    """One row checked (its problems noted on ``r``); None when it cannot be stored."""
    code = r.need("product").upper()
    product = book.products.get(code)
    if code and product is None:
        r.bad("product", f"商品「{code}」不存在，请先导入商品")
    has_price, has_ex_tax = bool(r.get("price")), bool(r.get("price_ex_tax"))
    if has_price and has_ex_tax:
        r.bad("price_ex_tax", "单价和不含税单价只能填一个")
    elif not has_price and not has_ex_tax:
        r.bad("price", "不能为空（商超采购单的不含税价请填在 price_ex_tax/不含税单价 列）")
    price = r.parsed("price", _positive_price, optional=True)
    ex_tax = r.parsed("price_ex_tax", _positive_price, optional=True)
    pack = r.parsed("pack", _int, optional=True)
    if r.get("pack") and not has_ex_tax:
        r.bad("pack", "每件数量只和不含税单价一起用；含税单价请直接填一个销售单位的价格")
    tier, cust = r.get("tier"), r.get("customer").upper()
    _check_party(r, book, tier, cust, has_ex_tax)
    vf = r.parsed("valid_from", _date, optional=True)
    vt = r.parsed("valid_to", _date, optional=True)
    if vf and vt and vt < vf:
        r.bad("valid_to", "失效日期早于生效日期")
    from_ex_tax = ex_tax is not None and product is not None and not has_price
    if from_ex_tax and ex_tax is not None and product is not None:
        try:
            price = tax_inclusive_unit_price(ex_tax, product.tax_rate, pack or 1)
        except KaidanError as exc:
            r.bad("price_ex_tax", exc.message)
            return None
        if price <= 0:
            r.bad("price_ex_tax", f"不含税单价 {ex_tax} 换算后不足一分钱，请检查每件数量")
            return None
    if product is None or price is None or product.id is None:
        return None
    if product.floor_price is not None and price < product.floor_price:
        if from_ex_tax:
            r.bad(
                "price_ex_tax",
                f"含税价 {price}（由不含税单价 {ex_tax} 换算）"
                f"低于该商品最低价 {product.floor_price}",
            )
        else:
            r.bad("price", f"价格 {price} 低于该商品最低价 {product.floor_price}")
    if tier and (vf or vt):
        r.bad("valid_from", "等级价不分日期；有期限的价格请作为协议价（填客户编码）导入")
    return _PriceRow(product.id, price, tier, cust, vf, vt, from_ex_tax)


def _check_party(r: _Row, book: _PriceBook, tier: str, cust: str, has_ex_tax: bool) -> None:
    """A row is for a price tier or for one customer; ex-tax prices only for 商超 (D8)."""
    if bool(tier) == bool(cust):
        r.bad("tier", "每行要么填价格等级，要么填客户编码（只填一个）")
    if cust and cust not in book.customers:
        r.bad("customer", f"客户「{cust}」不存在，请先导入客户")
    if has_ex_tax and cust in book.channel_of and book.channel_of[cust] != _SUPERMARKET:
        r.bad(
            "price_ex_tax",
            f"不含税单价只用于商超客户（D8），客户「{cust}」的渠道是{book.channel_of[cust]}；"
            "请填含税单价 price",
        )
    if has_ex_tax and tier and book.tier_channels.get(tier, set()) != {_SUPERMARKET}:
        r.bad(
            "price_ex_tax",
            f"不含税单价只用于商超（D8），价格等级「{tier}」不是只给商超客户用的；"
            "请填含税单价 price",
        )


def _prices(
    session: Session, header: list[str], body: list[tuple[int, list[str]]], dry: bool
) -> ImportResult:
    """Tier and agreed prices. D8: a 商超 PO's tax-exclusive price (``price_ex_tax``, per
    ``pack`` selling units) is stored as the tax-inclusive price of one selling unit,
    含税价 = 不含税价 × (1 + 商品税率) ÷ 每件数量, rounded to the fen."""
    index = map_columns(header, PRICE_COLUMNS, ("product",))
    if "price" not in index and "price_ex_tax" not in index:
        raise ImportFailed(
            [Problem(1, "price", "需要「price/单价」或「price_ex_tax/不含税单价」列")]
        )
    if "tier" not in index and "customer" not in index:
        raise ImportFailed([Problem(1, "tier", "需要「tier/价格等级」或「customer/客户编码」列")])
    book = _price_book(session)
    problems: list[Problem] = []
    converted = 0
    tiers: dict[tuple[int, str], tuple[int, Decimal]] = {}
    agreed_rows: dict[tuple[int, int, date | None], tuple[int, Decimal, date | None]] = {}
    for number, cells in body:
        r = _Row(number, cells, index, problems)
        row = _price_row(r, book)
        if row is None:
            continue
        converted += row.converted
        if row.tier:
            key = (row.product_id, row.tier)
            if key in tiers:
                r.bad("tier", f"与第 {tiers[key][0]} 行重复（同一商品同一价格等级）")
            tiers[key] = (number, row.price)
        elif row.customer:
            akey = (book.customers[row.customer] or 0, row.product_id, row.valid_from)
            if akey in agreed_rows:
                r.bad("customer", f"与第 {agreed_rows[akey][0]} 行重复（同一客户、商品、生效日期）")
            agreed_rows[akey] = (number, row.price, row.valid_to)
    if problems:
        raise ImportFailed(problems)
    result = ImportResult("prices", len(body), dry_run=dry)
    if converted:
        result.notes.append(f"{converted} 行不含税单价已按商品税率换算为含税单价（D8）")
    _save_prices(session, tiers, agreed_rows, result, dry)
    return result


def _save_prices(
    session: Session,
    tiers: dict[tuple[int, str], tuple[int, Decimal]],
    agreed_rows: dict[tuple[int, int, date | None], tuple[int, Decimal, date | None]],
    result: ImportResult,
    dry: bool,
) -> None:
    existing = {(t.product_id, t.tier): t for t in session.exec(select(TierPrice)).all()}
    for (pid, tier), (_, price) in tiers.items():
        row = existing.get((pid, tier))
        if row is None:
            result.created += 1
            if not dry:
                session.add(TierPrice(product_id=pid, tier=tier, price=price))
        else:
            result.updated += 1
            if not dry:
                row.price = price
                session.add(row)
    known = {
        (a.customer_id, a.product_id, a.valid_from): a
        for a in session.exec(select(AgreedPrice)).all()
    }
    for (cid, pid, vf), (_, price, vt) in agreed_rows.items():
        found = known.get((cid, pid, vf))
        if found is None:
            result.created += 1
            if not dry:
                session.add(
                    AgreedPrice(
                        customer_id=cid, product_id=pid, price=price, valid_from=vf, valid_to=vt
                    )
                )
        else:
            result.updated += 1
            if not dry:
                found.price, found.valid_to = price, vt
                session.add(found)
