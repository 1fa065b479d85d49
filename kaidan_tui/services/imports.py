"""Import products, customers, prices and stock from CSV (UTF-8, UTF-8 BOM, GBK) or XLSX.

All rows or none: every row is checked first, every problem is listed by row and column,
and only a clean file is written, in one transaction. ``dry_run`` checks without writing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import Session, select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import (
    AgreedPrice,
    Customer,
    Ledger,
    Product,
    Stock,
    StockMovement,
    TierPrice,
    Warehouse,
)
from kaidan_tui.domain.enums import Channel, CreditPolicy, Settlement
from kaidan_tui.domain.errors import KaidanError
from kaidan_tui.domain.money import (
    MAX_QTY,
    normalise_number_text,
    parse_amount,
    parse_price,
    quantity,
)
from kaidan_tui.domain.pricing import tax_inclusive_unit_price
from kaidan_tui.domain.text import clean_text
from kaidan_tui.services import audit

MAX_ROWS = 500_000
MAX_PROBLEMS_SHOWN = 50


@dataclass(frozen=True, slots=True)
class Problem:
    row: int  # 1-based row in the file, header = 1
    column: str
    message: str

    def __str__(self) -> str:
        col = f"「{self.column}」列" if self.column else ""
        return f"第 {self.row} 行{col}：{self.message}"


class ImportFailed(KaidanError):
    def __init__(self, problems: list[Problem], *, summary: str | None = None) -> None:
        shown = "\n".join(str(p) for p in problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        tail = f"\n……另有 {more} 处问题" if more > 0 else ""
        head = (
            summary or f"导入失败，共 {len(problems)} 处问题，没有导入任何数据。请改正后重新导入："
        )
        super().__init__(f"{head}\n{shown}{tail}".rstrip())
        self.problems = problems


@dataclass(slots=True)
class ImportResult:
    kind: str
    rows: int
    created: int = 0
    updated: int = 0
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)


# --- reading -------------------------------------------------------------------------


def decode_csv_bytes(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK); strict."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ImportFailed(
                [], summary=f"文件声明为 UTF-8 但含有无效字节（位置 {exc.start}）。"
            ) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            [],
            summary="无法识别文件编码：既不是 UTF-8 也不是 GBK。请在 Excel/WPS 中另存为"
            "「CSV UTF-8」或 XLSX 后重试。",
        ) from exc


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, date):
        return value.isoformat()[:10]
    return str(value)


def read_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (row number, cells) of the first sheet / the CSV."""
    if not path.exists():
        raise ImportFailed([], summary=f"找不到文件：{path}")
    suffix = path.suffix.lower()
    rows: list[list[str]]
    if suffix in (".xlsx", ".xlsm"):
        try:
            from openpyxl import load_workbook

            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a broken file
            raise ImportFailed([], summary=f"无法读取 Excel 文件 {path.name}：{exc}") from exc
        ws = wb.worksheets[0]
        rows = [[_cell(v) for v in r] for r in ws.iter_rows(values_only=True)]
        wb.close()
    elif suffix in (".csv", ".txt", ""):
        text = decode_csv_bytes(path.read_bytes())
        rows = [list(r) for r in csv.reader(io.StringIO(text))]
    else:
        raise ImportFailed([], summary=f"不支持的文件类型「{suffix}」，请用 CSV 或 XLSX。")
    numbered = [(i, r) for i, r in enumerate(rows, start=1) if any(c.strip() for c in r)]
    if not numbered:
        raise ImportFailed([], summary=f"文件 {path.name} 是空的。")
    (_, header), body = numbered[0], numbered[1:]
    if len(body) > MAX_ROWS:
        raise ImportFailed(
            [], summary=f"文件有 {len(body)} 行，超过上限 {MAX_ROWS} 行，请分批导入。"
        )
    return [clean_text(h).lower() for h in header], body


def map_columns(
    header: list[str], aliases: dict[str, tuple[str, ...]], required: Iterable[str]
) -> dict[str, int]:
    index: dict[str, int] = {}
    problems: list[Problem] = []
    for i, name in enumerate(header):
        for canon, names in aliases.items():
            if name == canon or name in names:
                if canon in index:
                    problems.append(Problem(1, name, f"列重复（与第 {index[canon] + 1} 列相同）"))
                index[canon] = i
    missing = [r for r in required if r not in index]
    for m in missing:
        alt = "/".join(aliases[m])
        problems.append(Problem(1, m, f"缺少必需的列（列名 {m} 或 {alt}）"))
    if problems:
        raise ImportFailed(problems)
    return index


class _Row:
    def __init__(self, number: int, cells: list[str], index: dict[str, int], out: list[Problem]):
        self.number, self.cells, self.index, self.out = number, cells, index, out

    def get(self, name: str) -> str:
        i = self.index.get(name)
        if i is None or i >= len(self.cells):
            return ""
        return clean_text(self.cells[i])

    def bad(self, name: str, message: str) -> None:
        self.out.append(Problem(self.number, name, message))

    def need(self, name: str) -> str:
        value = self.get(name)
        if not value:
            self.bad(name, "不能为空")
        return value

    def parsed(self, name: str, fn: Callable[[str], Any], *, optional: bool = False) -> Any:
        value = self.get(name)
        if not value:
            if not optional:
                self.bad(name, "不能为空")
            return None
        try:
            return fn(value)
        except KaidanError as exc:
            self.bad(name, exc.message)
        except (ValueError, InvalidOperation):
            self.bad(name, f"「{value}」格式不对")
        return None


def _int(text: str) -> int:
    value = int(Decimal(normalise_number_text(text)))
    if value < 1:
        raise ValueError(text)
    return value


def _rate(text: str) -> Decimal:
    t = normalise_number_text(text)
    percent = t.endswith("%")
    value = Decimal(t.rstrip("%"))
    if percent or value >= 1:
        value = value / 100
    if not 0 <= value < 1:
        raise ValueError(text)
    return value


def _bool(text: str) -> bool:
    t = text.strip().lower()
    if t in ("1", "y", "yes", "true", "是", "要", "√"):
        return True
    if t in ("0", "n", "no", "false", "否", "不", ""):
        return False
    raise ValueError(text)


def _stock_qty(text: str) -> Decimal:
    """A stock count: zero allowed (unlike an order line), never negative or absurd."""
    value = Decimal(normalise_number_text(text))
    if not value.is_finite() or value < 0 or value > MAX_QTY:
        raise KaidanError(f"库存数量「{text}」不合理：应为 0 到 {MAX_QTY} 之间的数字")
    if value != value.quantize(Decimal("0.001")):
        raise KaidanError(f"库存数量「{text}」小数位太多，最多三位")
    return quantity(value)


def _date(text: str) -> date:
    return date.fromisoformat(normalise_number_text(text).replace("/", "-"))


def _enum(values: Iterable[str], label: str) -> Callable[[str], str]:
    allowed = list(values)

    def parse(text: str) -> str:
        if text not in allowed:
            raise KaidanError(f"{label}「{text}」不认识，可选：{'、'.join(allowed)}")
        return text

    return parse


def _policy(text: str) -> str:
    table = {
        "warn": "warn",
        "提醒": "warn",
        "block": "block",
        "禁止": "block",
        "approve": "approve",
        "审批": "approve",
        "需审批": "approve",
    }
    if text.lower() not in table:
        raise KaidanError(f"超额处理「{text}」不认识，可选：warn/提醒、block/禁止、approve/审批")
    return table[text.lower()]


def _check_unique(rows: list[tuple[int, str]], column: str, out: list[Problem]) -> None:
    seen: dict[str, int] = {}
    for number, key in rows:
        if not key:
            continue
        if key in seen:
            out.append(Problem(number, column, f"「{key}」与第 {seen[key]} 行重复"))
        else:
            seen[key] = number


_Coded = TypeVar("_Coded", Product, Customer)


def _upsert_by_code(
    session: Session,
    model: type[_Coded],
    kind: str,
    parsed: list[dict[str, Any]],
    existing: dict[str, _Coded],
    dry: bool,
) -> ImportResult:
    """Create the rows whose code is new and update the others, column by column.

    Each item holds only the columns the file has (so a short file wipes nothing), plus
    its ``_row`` number, which is dropped here. ``dry``: count, write nothing.
    """
    result = ImportResult(kind, len(parsed), dry_run=dry)
    for item in parsed:
        item.pop("_row")
        row = existing.get(item["code"])
        if row is None:
            result.created += 1
            if not dry:
                session.add(model(**item))
        else:
            result.updated += 1
            if not dry:
                for k, v in item.items():
                    setattr(row, k, v)
                session.add(row)
    return result


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


def _prices(  # noqa: C901 — one branch per price-list column; to split (issue 15)
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
    products = {p.code: p for p in session.exec(select(Product)).all()}
    customer_rows = session.exec(select(Customer)).all()
    customers = {c.code: c.id for c in customer_rows}
    channel_of = {c.code: c.channel for c in customer_rows}
    tier_channels: dict[str, set[str]] = {}
    for c in customer_rows:
        if c.tier:
            tier_channels.setdefault(c.tier, set()).add(c.channel)
    problems: list[Problem] = []
    converted = 0
    tiers: dict[tuple[int, str], tuple[int, Decimal]] = {}
    agreed_rows: dict[tuple[int, int, date | None], tuple[int, Decimal, date | None]] = {}
    for number, cells in body:
        r = _Row(number, cells, index, problems)
        code = r.need("product").upper()
        product = products.get(code)
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
        if bool(tier) == bool(cust):
            r.bad("tier", "每行要么填价格等级，要么填客户编码（只填一个）")
        if cust and cust not in customers:
            r.bad("customer", f"客户「{cust}」不存在，请先导入客户")
        if has_ex_tax and cust in channel_of and channel_of[cust] != _SUPERMARKET:
            r.bad(
                "price_ex_tax",
                f"不含税单价只用于商超客户（D8），客户「{cust}」的渠道是{channel_of[cust]}；"
                "请填含税单价 price",
            )
        if has_ex_tax and tier and tier_channels.get(tier, set()) != {_SUPERMARKET}:
            r.bad(
                "price_ex_tax",
                f"不含税单价只用于商超（D8），价格等级「{tier}」不是只给商超客户用的；"
                "请填含税单价 price",
            )
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
                continue
            if price <= 0:
                r.bad("price_ex_tax", f"不含税单价 {ex_tax} 换算后不足一分钱，请检查每件数量")
                continue
            converted += 1
        if product is None or price is None or product.id is None:
            continue
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
        if tier:
            key = (product.id, tier)
            if key in tiers:
                r.bad("tier", f"与第 {tiers[key][0]} 行重复（同一商品同一价格等级）")
            tiers[key] = (number, price)
        elif cust:
            akey = (customers[cust] or 0, product.id, vf)
            if akey in agreed_rows:
                r.bad("customer", f"与第 {agreed_rows[akey][0]} 行重复（同一客户、商品、生效日期）")
            agreed_rows[akey] = (number, price, vt)
    if problems:
        raise ImportFailed(problems)
    result = ImportResult("prices", len(body), dry_run=dry)
    if converted:
        result.notes.append(f"{converted} 行不含税单价已按商品税率换算为含税单价（D8）")
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
    return result


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
