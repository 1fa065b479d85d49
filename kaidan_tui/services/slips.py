"""Create, hold and post slips, with full validation, in one transaction each.

``prepare`` turns what a clerk (or a file) typed into a checked slip: products and
customer resolved, quantities and prices parsed, policy prices filled in, totals
computed and every policy issue listed. The TUI calls it live; ``post`` calls it again
inside the write transaction (so stock and credit are read under the write lock), then
numbers the slip from its counter row, moves stock and appends the audit row — all or
nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import bindparam, delete, func, insert, text, update
from sqlmodel import Session, col, select

from kaidan_tui.db.columns import Qty
from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import (
    Customer,
    Ledger,
    Product,
    Slip,
    SlipLine,
    SlipLineCode,
    Warehouse,
    metadata,
)
from kaidan_tui.domain import clock
from kaidan_tui.domain.discount import allocate, slip_discount
from kaidan_tui.domain.enums import CreditPolicy, PriceSource, Settlement, SlipStatus, SlipType
from kaidan_tui.domain.errors import (
    InputError,
    KaidanError,
    NotFound,
    PolicyIssue,
    PolicyViolation,
    StateError,
)
from kaidan_tui.domain.money import ZERO, line_amount, money, parse_price, parse_quantity
from kaidan_tui.domain.numbering import format_number
from kaidan_tui.domain.pricing import (
    CreditFacts,
    PriceFacts,
    PriceSuggestion,
    check_credit,
    check_price,
    check_stock,
    policy_price,
    start_price,
)
from kaidan_tui.domain.text import clean_text
from kaidan_tui.services import accounts, audit, spool
from kaidan_tui.services.catalog import (
    customer_by_code,
    on_hand,
    product_by_code,
    products_by_codes,
)
from kaidan_tui.services.daily import day_is_closed
from kaidan_tui.services.pricing import price_facts_many, remember_last_prices
from kaidan_tui.services.store import (
    FREE_DISCOUNT,
    LedgerInfo,
    StoreConfig,
    WarehouseInfo,
    config,
)
from kaidan_tui.services.users import UserInfo


class LineIn(BaseModel):
    """One line as typed: codes and texts, not yet checked."""

    product: str
    qty: str
    price: str | None = None
    is_gift: bool = False
    trace_codes: list[str] = Field(default_factory=list)
    remarks: str = ""


class SlipIn(BaseModel):
    """A slip as typed (TUI) or read from a file (CLI), not yet checked."""

    type: SlipType = SlipType.SALE
    customer: str | None = None
    settlement: str | None = None
    delivery: str = ""
    remarks: str = ""
    recipient: str = ""
    po_number: str = ""
    handler: str = ""
    ledger: str | None = None
    warehouse: str | None = None
    business_date: date | None = None
    idempotency_key: str | None = None
    discount: str = ""
    """Whole-slip discount as typed: 95折, -5%, -50, =1000, 抹零 (see domain.discount)."""
    against: str | None = None
    """A return against this sale (its number): quantities capped, prices from it."""
    lines: list[LineIn] = Field(default_factory=list)


@dataclass(slots=True)
class PreparedLine:
    line_no: int
    product: Product
    qty: Decimal
    price: Decimal
    amount: Decimal
    source: PriceSource
    policy: PriceSuggestion | None
    facts: PriceFacts | None
    is_gift: bool
    trace_codes: list[str]
    remarks: str
    issues: list[PolicyIssue] = field(default_factory=list)
    paid: Decimal = ZERO
    """``amount`` less the line's share of the whole-slip discount (docs/money.md)."""


@dataclass(slots=True)
class PreparedSlip:
    type: SlipType
    ledger: LedgerInfo
    warehouse: WarehouseInfo
    customer: Customer | None
    settlement: Settlement
    business_date: date
    lines: list[PreparedLine]
    total_qty: Decimal
    total_amount: Decimal
    """What the customer owes: the lines' total less the whole-slip discount."""
    issues: list[PolicyIssue]
    discount_amount: Decimal = ZERO
    against_id: int | None = None
    delivery: str = ""
    """The driver (送货); a return against a slip comes back with the slip's driver."""

    @property
    def subtotal(self) -> Decimal:
        return self.total_amount + self.discount_amount

    @property
    def blocking(self) -> list[PolicyIssue]:
        return [i for i in self.issues if i.blocking]

    @property
    def warnings(self) -> list[PolicyIssue]:
        return [i for i in self.issues if not i.blocking]


@dataclass(frozen=True, slots=True)
class PostResult:
    slip_id: int
    number: str
    total_amount: Decimal
    warnings: tuple[str, ...] = ()
    already_posted: bool = False


@dataclass(frozen=True, slots=True)
class HoldResult:
    slip_id: int
    reasons: tuple[str, ...]


def _line_error(line_no: int, exc: KaidanError) -> InputError:
    return InputError(f"第{line_no}行：{exc.message}", field=exc.field)


def _ledger(store: StoreConfig, code: str | None, customer: Customer | None) -> LedgerInfo:
    if code:
        ledger = store.ledger(code.strip().upper())
        if ledger is None:
            raise NotFound(f"没有编码为「{code}」的账套。", field="ledger")
        return ledger
    if customer is not None and customer.ledger_id is not None:
        found = store.ledger_by_id(customer.ledger_id)
        if found is not None:
            return found
    if store.default_ledger is None:
        raise StateError("还没有账套。请先运行 kaidan init。")
    return store.default_ledger


def _warehouse(store: StoreConfig, code: str | None) -> WarehouseInfo:
    if code:
        wh = store.warehouse(code.strip().upper())
        if wh is None:
            raise NotFound(f"没有编码为「{code}」的仓库。", field="warehouse")
        return wh
    if store.default_warehouse is None:
        raise StateError("还没有仓库。请先运行 kaidan init。")
    return store.default_warehouse


def _settlement(text: str | None, customer: Customer | None) -> Settlement:
    value = (text or "").strip() or (customer.settlement if customer is not None else "现款")
    try:
        return Settlement(value)
    except ValueError:
        names = "、".join(s.value for s in Settlement)
        raise InputError(
            f"结算方式「{value}」不认识，可选：{names}。", field="settlement"
        ) from None


def prepare(session: Session, slip_in: SlipIn, *, on: date | None = None) -> PreparedSlip:
    """Check a typed slip against the store; raise InputError on bad input.

    Policy problems (price, credit, stock, trace codes, supervisor signature) do not
    raise: they are listed in ``issues`` for the caller to show, approve or hold.
    """
    kind = slip_in.type
    today = clock.today()
    business_date = slip_in.business_date or on or today
    if business_date > today:
        raise InputError(
            f"单据日期 {business_date} 晚于今天，不能开未来日期的单。", field="business_date"
        )
    customer: Customer | None = None
    if slip_in.customer and slip_in.customer.strip():
        customer = customer_by_code(session, slip_in.customer)
    elif kind in (SlipType.SALE, SlipType.RETURN):
        raise InputError(f"{kind.label}必须选择客户。", field="customer")
    if kind is SlipType.GIFT and customer is None and not clean_text(slip_in.recipient):
        raise InputError("赠送出库必须填写领用单位或领用人。", field="recipient")
    if kind is SlipType.REVERSAL:
        raise InputError("红冲单只能从原单生成，不能直接开。", field="type")
    if not slip_in.lines:
        raise InputError("单据没有商品行，请至少输入一行。", field="product")
    against, returnable = _against(session, slip_in, kind, customer)
    # A return against a slip settles the way the slip did, unless told otherwise.
    settlement = _settlement(
        slip_in.settlement or (against.settlement if against is not None else None), customer
    )
    store = config(session)
    ledger = _ledger(store, slip_in.ledger, customer)
    warehouse = _warehouse(store, slip_in.warehouse)
    refunded: dict[int, tuple[Decimal, Decimal]] = {}
    """Per product of a return against a slip: (qty, amount) taken by this slip's lines."""
    order = store.price_order
    known = products_by_codes(session, [raw.product for raw in slip_in.lines])
    all_facts: dict[int, PriceFacts] = {}
    if kind in (SlipType.SALE, SlipType.RETURN):
        all_facts = price_facts_many(session, customer, list(known.values()), business_date)
    lines: list[PreparedLine] = []
    for n, raw in enumerate(slip_in.lines, start=1):
        try:
            product = known.get(raw.product.strip().upper()) or product_by_code(
                session, raw.product
            )
            qty = parse_quantity(raw.qty)
        except KaidanError as exc:
            raise _line_error(n, exc) from None
        facts: PriceFacts | None = all_facts.get(product.id or 0)
        suggestion: PriceSuggestion | None = None
        if facts is not None:
            suggestion = policy_price(facts, order)
        start = start_price(
            kind, facts or PriceFacts(list_price=product.list_price), order, product.cost
        )
        issues: list[PolicyIssue] = []
        label = f"「{product.name}」"
        sold = returnable.get(product.id or 0) if against is not None else None
        if against is not None and sold is None:
            raise InputError(
                f"第{n}行：原单 {against.number} 没有商品「{product.code} {product.name}」，"
                "不能对原单退货。",
                field="product",
            )
        typed = raw.price is not None and bool(str(raw.price).strip())
        refund: Decimal | None = None
        if raw.is_gift or kind is SlipType.GIFT:
            price, source = ZERO, PriceSource.GIFT
        elif sold is not None and (not typed or _typed_is(raw.price, sold.unit_paid)):
            # What was paid for these units on the original (docs/money.md, rule 2).
            price, source = sold.unit_paid, PriceSource.LAST
            done_qty, done_amount = refunded.get(product.id or 0, (ZERO, ZERO))
            refund = _refund(sold, qty, done_qty, done_amount)
            if refund <= 0 and sold.returned + done_qty + qty <= sold.sold:
                raise InputError(
                    f"第{n}行：原单 {against.number if against else ''} 的「{product.name}」"
                    "货款已全部退完，不能再按原单退款。",
                    field="qty",
                )
            refunded[product.id or 0] = (done_qty + qty, done_amount + refund)
        elif typed:
            try:
                price = parse_price(str(raw.price), allow_zero=kind is not SlipType.RETURN)
            except KaidanError as exc:
                raise _line_error(n, exc) from None
            source = start.source if price == start.price else PriceSource.MANUAL
        else:
            price, source = start.price, start.source
        gift_line = raw.is_gift or kind is SlipType.GIFT
        if kind is SlipType.SALE and raw.is_gift:
            issues.append(
                PolicyIssue(
                    "gift_line",
                    f"第{n}行{label}为赠品（0 元出库），需主管审批",
                    line_no=n,
                    field="price",
                )
            )
        elif kind is SlipType.SALE and facts is not None and suggestion is not None:
            # floor and policy, whether the price was typed or came from policy
            issues += check_price(price, facts, suggestion, line_no=n, product_label=label)
        elif kind is SlipType.RETURN and (
            sold is not None or (facts is not None and suggestion is not None)
        ):
            if sold is not None:
                paid = sold.unit_paid
            elif facts is not None and facts.last_price is not None:
                paid = facts.last_price
            else:
                assert suggestion is not None
                paid = suggestion.price
            if price > paid:
                issues.append(
                    PolicyIssue(
                        "return_price_high",
                        f"第{n}行{label}退货单价 {price} 高于客户上次售价 {paid}，需主管审批",
                        line_no=n,
                        field="price",
                    )
                )
        if kind is SlipType.RETURN and price == 0:
            raise InputError(f"第{n}行：退货单价不能为 0（D10），请输入实际单价。", field="price")
        codes = [c for c in (clean_text(x) for x in raw.trace_codes) if c]
        if product.coded and kind.stock_sign < 0 and Decimal(len(codes)) != qty:
            issues.append(
                PolicyIssue(
                    "trace_codes_missing",
                    f"第{n}行{label}需要录入瓶码/箱码：数量 {qty.normalize():f}，"
                    f"已录 {len(codes)} 个",
                    line_no=n,
                    field="trace_codes",
                    needs_approval=False,
                )
            )
        lines.append(
            PreparedLine(
                line_no=n,
                product=product,
                qty=qty,
                price=price,
                amount=refund if refund is not None else line_amount(qty, price),
                source=source,
                policy=suggestion,
                facts=facts,
                is_gift=gift_line,
                trace_codes=codes,
                remarks=clean_text(raw.remarks),
                issues=issues,
            )
        )

    total_qty = sum((ln.qty for ln in lines), Decimal("0"))
    total_amount = sum((ln.amount for ln in lines), ZERO)
    issues = [i for ln in lines for i in ln.issues]
    if against is not None:
        _check_returnable(against, returnable, lines)
    discount = ZERO
    if slip_in.discount.strip():
        if kind is not SlipType.SALE:
            raise InputError(f"{kind.label}单不能打整单折扣。", field="discount")
        discount = slip_discount(slip_in.discount, total_amount)
        free = money(store.setting(FREE_DISCOUNT, "1.00") or "1.00")
        if discount > free:
            issues.append(
                PolicyIssue(
                    "discount",
                    f"整单优惠 {discount}（{slip_in.discount.strip()}）超过 {free} 元，需主管审批",
                    field="discount",
                )
            )
        total_amount -= discount
    shares = allocate([ln.amount for ln in lines], discount, gifts=[ln.is_gift for ln in lines])
    for ln, share in zip(lines, shares, strict=True):
        ln.paid = ln.amount - share

    if kind.stock_sign < 0:
        block = store.stock_blocks
        wanted: dict[int, Decimal] = defaultdict(Decimal)
        first_line: dict[int, PreparedLine] = {}
        for ln in lines:
            pid = ln.product.id
            assert pid is not None
            wanted[pid] += ln.qty
            first_line.setdefault(pid, ln)
        in_stock = on_hand(session, list(wanted), warehouse.id)
        for pid, qty in wanted.items():
            available = in_stock.get(pid, Decimal("0"))
            ln = first_line[pid]
            found = check_stock(
                line_no=ln.line_no,
                product_label=f"「{ln.product.name}」",
                wanted=qty,
                available=available,
                block=block,
            )
            ln.issues += found
            issues += found

    # Only a credit sale can exceed a credit limit: a cash sale skips the balance queries.
    if (
        kind is SlipType.SALE
        and customer is not None
        and customer.id is not None
        and settlement.is_credit
        and total_amount > 0
    ):
        facts_c = CreditFacts(
            limit=customer.credit_limit,
            balance=accounts.balance(session, customer.id),
            policy=CreditPolicy(customer.credit_policy),
        )
        issues += check_credit(settlement, total_amount, facts_c)

    if business_date < today:
        issues.append(
            PolicyIssue(
                "backdated",
                f"补单：单据日期 {business_date} 早于今天，需主管审批",
                field="business_date",
            )
        )

    if kind.needs_supervisor:
        issues.append(
            PolicyIssue(
                "supervisor_sign",
                f"{kind.label}需主管签字确认（D6/D7）",
                field="type",
            )
        )

    return PreparedSlip(
        type=kind,
        ledger=ledger,
        warehouse=warehouse,
        customer=customer,
        settlement=settlement,
        business_date=business_date,
        lines=lines,
        total_qty=total_qty,
        total_amount=total_amount,
        issues=issues,
        discount_amount=discount,
        against_id=against.id if against is not None else None,
        delivery=clean_text(slip_in.delivery) or (against.delivery if against is not None else ""),
    )


@dataclass(frozen=True, slots=True)
class Returnable:
    """One product of a sale, for returns against it (its non-gift lines together)."""

    sold: Decimal
    returned: Decimal
    paid: Decimal
    """What was paid for ``sold`` (the lines' ``paid``: net of the whole-slip discount)."""
    refunded: Decimal = ZERO
    """What the posted returns against the sale refunded for it so far."""

    @property
    def unit_paid(self) -> Decimal:
        return money(self.paid / self.sold)


def _refund(r: Returnable, qty: Decimal, done_qty: Decimal, done_amount: Decimal) -> Decimal:
    """What returning ``qty`` refunds, after ``done_qty`` came back for ``done_amount``
    (this slip's earlier lines of the product included): pro rata to what was paid, and
    the return that takes the last unit refunds exactly what is left (docs/money.md)."""
    if r.returned + done_qty + qty >= r.sold:
        return r.paid - r.refunded - done_amount
    return money(r.paid * qty / r.sold)


def _typed_is(text: str | None, price: Decimal) -> bool:
    """A typed price equal to ``price`` (the order screen sends every line's price)."""
    try:
        return parse_price(str(text)) == price
    except KaidanError:
        return False


def _against(
    session: Session, slip_in: SlipIn, kind: SlipType, customer: Customer | None
) -> tuple[Slip | None, dict[int, Returnable]]:
    """The sale a return is made against, and per product: sold, already returned, price."""
    if not (slip_in.against and slip_in.against.strip()):
        return None, {}
    if kind is not SlipType.RETURN:
        raise InputError("只有退货单可以对原单开。", field="against")
    number = slip_in.against.strip().upper()
    original = session.exec(select(Slip).where(Slip.number == number)).first()
    if original is None or original.type != SlipType.SALE.value:
        raise InputError(f"找不到销售单 {number}，不能对它退货。", field="against")
    if original.status != SlipStatus.POSTED.value:
        state = SlipStatus(original.status).label
        raise InputError(f"原单 {number} 已{state}，不能再退货。", field="against")
    if customer is not None and original.customer_id != customer.id:
        raise InputError(f"原单 {number} 不是这个客户的单（是 {original.cust_name}）。",
                         field="customer")  # fmt: skip
    out: dict[int, Returnable] = {}
    for line in session.exec(select(SlipLine).where(SlipLine.slip_id == original.id)).all():
        if line.is_gift:
            continue
        prev = out.get(line.product_id)
        sold, paid = (prev.sold, prev.paid) if prev else (ZERO, ZERO)
        out[line.product_id] = Returnable(line.qty + sold, ZERO, line.paid + paid)
    returned = session.exec(
        select(col(SlipLine.product_id), func.sum(SlipLine.qty), func.sum(SlipLine.amount))
        .join(Slip, col(Slip.id) == SlipLine.slip_id)
        .where(
            Slip.against_id == original.id,
            Slip.status == SlipStatus.POSTED.value,
            Slip.id != (slip_in_held_id(session, slip_in) or -1),
        )
        .group_by(col(SlipLine.product_id))
    ).all()
    for product_id, qty, amount in returned:
        if product_id in out and qty is not None:
            r = out[product_id]
            out[product_id] = Returnable(r.sold, Decimal(qty), r.paid, Decimal(amount or 0))
    return original, out


def slip_in_held_id(session: Session, slip_in: SlipIn) -> int | None:
    """The slip already saved under this order's idempotency key (a held return)."""
    if not slip_in.idempotency_key:
        return None
    found = session.exec(
        select(Slip.id).where(Slip.idempotency_key == slip_in.idempotency_key)
    ).first()
    return found


def _check_returnable(
    original: Slip, returnable: dict[int, Returnable], lines: list[PreparedLine]
) -> None:
    wanted: dict[int, Decimal] = defaultdict(Decimal)
    first: dict[int, PreparedLine] = {}
    for ln in lines:
        pid = ln.product.id or 0
        wanted[pid] += ln.qty
        first.setdefault(pid, ln)
    for pid, qty in wanted.items():
        r = returnable[pid]
        left = r.sold - r.returned
        if qty > left:
            ln = first[pid]
            raise InputError(
                f"第{ln.line_no}行「{ln.product.name}」最多可退 {left.normalize():f}"
                f"{ln.product.unit}（原单 {original.number} 售出 {r.sold.normalize():f}，"
                f"已退 {r.returned.normalize():f}），本单退 {qty.normalize():f}。",
                field="qty",
            )


_STEP_COUNTER = text(
    "INSERT INTO number_counter (ledger_id, slip_type, year, last_seq) VALUES (:l, :t, :y, 1) "
    "ON CONFLICT (ledger_id, slip_type, year) "
    "DO UPDATE SET last_seq = number_counter.last_seq + 1 RETURNING last_seq"
)


def next_number(session: Session, ledger: LedgerInfo, kind: SlipType, year: int) -> tuple[int, str]:
    """Take the next number of a series from its counter row, in the caller's transaction.

    One upsert creates the series row at 1 or steps it by one, and returns the new value.
    The row stays locked until the transaction ends (a row lock on PostgreSQL; SQLite
    writers hold the database lock from ``BEGIN IMMEDIATE``), so two counters never get
    the same number, and a transaction that aborts gives its number back: numbers are
    gap-free.
    """
    seq: int = (
        session.connection()
        .execute(_STEP_COUNTER, {"l": ledger.id, "t": kind.value, "y": year})
        .scalar_one()
    )
    return seq, format_number(
        ledger.number_format, prefix=kind.prefix, ledger=ledger.code, year=year, seq=seq
    )


def _header(prep: PreparedSlip, slip_in: SlipIn, user: UserInfo) -> dict[str, Any]:
    """The slip's header columns: what was typed plus a snapshot of the customer as printed."""
    c = prep.customer
    return {
        "ledger_id": prep.ledger.id,
        "type": prep.type.value,
        "business_date": prep.business_date,
        "customer_id": c.id if c is not None else None,
        "cust_code": c.code if c is not None else "",
        "cust_name": c.name if c is not None else "",
        "cust_contact": c.contact if c is not None else "",
        "cust_phone": c.phone if c is not None else "",
        "cust_address": c.address if c is not None else "",
        "channel": c.channel if c is not None else "",
        "freight_station": c.freight_station if c is not None else "",
        "freight_phone": c.freight_phone if c is not None else "",
        "store_code": c.store_code if c is not None else "",
        "po_number": clean_text(slip_in.po_number),
        "recipient": clean_text(slip_in.recipient),
        "settlement": prep.settlement.value,
        "delivery": prep.delivery,
        "warehouse_id": prep.warehouse.id,
        "maker_id": user.id,
        "handler": clean_text(slip_in.handler),
        "remarks": clean_text(slip_in.remarks, multiline=True),
        "line_count": len(prep.lines),
        "total_qty": prep.total_qty,
        "total_amount": prep.total_amount,
        "discount_amount": prep.discount_amount,
        "against_id": prep.against_id,
    }


_SLIP = metadata.tables["slip"]
_SLIP_LINE = metadata.tables["slip_line"]
_SLIP_LINE_CODE = metadata.tables["slip_line_code"]
_STOCK_MOVEMENT = metadata.tables["stock_movement"]
_INSERT_SLIP = insert(_SLIP).returning(_SLIP.c.id)
_UPDATE_SLIP = update(_SLIP).where(_SLIP.c.id == bindparam("slip_id"))
_INSERT_LINES = insert(_SLIP_LINE).returning(_SLIP_LINE.c.id, sort_by_parameter_order=True)


def _save_header(
    session: Session,
    slip: Slip | None,
    prep: PreparedSlip,
    slip_in: SlipIn,
    user: UserInfo,
    **extra: Any,
) -> int:
    """Insert a new open slip, or rewrite the header of the held one; return its id.

    Plain Core statements on the session's connection: this is the hot path of posting.
    """
    values = _header(prep, slip_in, user) | extra
    conn = session.connection()
    if slip is None:
        values["idempotency_key"] = slip_in.idempotency_key
        slip_id: int = conn.execute(_INSERT_SLIP, values).scalar_one()
        return slip_id
    assert slip.id is not None
    conn.execute(_UPDATE_SLIP, values | {"slip_id": slip.id})
    return slip.id


@dataclass(frozen=True, slots=True)
class WrittenLine:
    id: int
    product_id: int
    qty: Decimal
    price: Decimal
    is_gift: bool


_ADD_STOCK = text(
    "INSERT INTO stock (product_id, warehouse_id, qty) VALUES (:p, :w, :q) "
    "ON CONFLICT (product_id, warehouse_id) DO UPDATE SET qty = stock.qty + excluded.qty"
).bindparams(bindparam("q", type_=Qty()))


def _write_lines(
    session: Session,
    slip_id: int,
    prep: PreparedSlip,
    approver: UserInfo | None,
    *,
    replace: bool,
) -> list[WrittenLine]:
    """Insert the lines and their trace codes in bulk (no ORM objects: this is the hot path).

    ``replace``: the slip is a held one being re-saved; its old lines go first (it has no
    number yet, so the triggers allow it).
    """
    conn = session.connection()
    if replace:
        old_ids = list(
            conn.execute(select(_SLIP_LINE.c.id).where(_SLIP_LINE.c.slip_id == slip_id)).scalars()
        )
        if old_ids:
            conn.execute(delete(_SLIP_LINE_CODE).where(_SLIP_LINE_CODE.c.line_id.in_(old_ids)))
            conn.execute(delete(_SLIP_LINE).where(_SLIP_LINE.c.slip_id == slip_id))
    params = []
    for ln in prep.lines:
        approved = approver is not None and any(i.needs_approval for i in ln.issues)
        reason = "；".join(i.message for i in ln.issues if i.needs_approval) if approved else ""
        params.append(
            {
                "slip_id": slip_id,
                "line_no": ln.line_no,
                "product_id": ln.product.id or 0,
                "code": ln.product.code,
                "name": ln.product.name,
                "spec": ln.product.spec,
                "unit": ln.product.unit,
                "qty": ln.qty,
                "price": ln.price,
                "amount": ln.amount,
                "paid": ln.paid,
                "policy_price": ln.policy.price if ln.policy is not None else None,
                "price_source": ln.source.value,
                "approved_by_id": approver.id if approved and approver is not None else None,
                "approval_reason": reason[:200],
                "is_gift": ln.is_gift,
                "remarks": ln.remarks,
            }
        )
    ids: list[int] = list(conn.execute(_INSERT_LINES, params).scalars())
    codes = [
        {"line_id": line_id, "code": code}
        for line_id, ln in zip(ids, prep.lines, strict=True)
        for code in ln.trace_codes
    ]
    if codes:
        conn.execute(insert(_SLIP_LINE_CODE), codes)
    return [
        WrittenLine(line_id, ln.product.id or 0, ln.qty, ln.price, ln.is_gift)
        for line_id, ln in zip(ids, prep.lines, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class PostedSlip:
    """What stock moves and last prices need to know about a slip just posted."""

    id: int
    type: str
    customer_id: int | None
    warehouse_id: int
    business_date: date
    posted_at: datetime


def _move_stock(
    session: Session, slip: PostedSlip, rows: list[WrittenLine], user: UserInfo
) -> None:
    """One movement per line, and the on-hand quantity adjusted by the same amounts."""
    sign = SlipType(slip.type).stock_sign
    conn = session.connection()
    conn.execute(
        insert(_STOCK_MOVEMENT),
        [
            {
                "product_id": row.product_id,
                "warehouse_id": slip.warehouse_id,
                "qty": row.qty * sign,
                "kind": "slip",
                "slip_id": slip.id,
                "line_id": row.id,
                "user_id": user.id,
                "created_at": slip.posted_at,
                "remarks": "",
            }
            for row in rows
        ],
    )
    conn.execute(
        _ADD_STOCK,
        [{"p": row.product_id, "w": slip.warehouse_id, "q": row.qty * sign} for row in rows],
    )


def _find_open(session: Session, slip_in: SlipIn, held_id: int | None) -> Slip | None:
    """The held slip being finished, or the slip already made under this idempotency key."""
    if slip_in.idempotency_key:
        found = session.exec(
            select(Slip).where(Slip.idempotency_key == slip_in.idempotency_key)
        ).first()
        if found is not None:
            return found
    if held_id is not None:
        held = session.get(Slip, held_id)
        if held is None:
            raise NotFound(f"没有找到挂单 #{held_id}。", field="held")
        return held
    return None


def post(
    db: Database,
    slip_in: SlipIn,
    *,
    user: UserInfo,
    approver: UserInfo | None = None,
    held_id: int | None = None,
    printer: str | None = None,
) -> PostResult:
    """Post a slip: validate, number, move stock, audit — one transaction.

    Posting twice with the same ``idempotency_key`` returns the first result and creates
    nothing. Blocking policy issues raise :class:`PolicyViolation` unless ``approver`` (a
    supervisor verified by :func:`kaidan_tui.services.users.approve`) covers them.
    With ``printer``, the slip's print job is queued in the same transaction, so a
    posted slip is never left without its print (see :mod:`kaidan_tui.services.spool`).
    """
    if approver is not None and not approver.is_supervisor:
        raise PolicyViolation([PolicyIssue("approval", "审批人不是主管")])
    with db.write() as session:
        return post_in(
            session, slip_in, user=user, approver=approver, held_id=held_id, printer=printer
        )


def post_in(
    session: Session,
    slip_in: SlipIn,
    *,
    user: UserInfo,
    approver: UserInfo | None = None,
    held_id: int | None = None,
    printer: str | None = None,
) -> PostResult:
    """:func:`post` inside the caller's write transaction (改单 posts two slips in one)."""
    slip = _find_open(session, slip_in, held_id)
    if slip is not None and slip.status not in (SlipStatus.DRAFT, SlipStatus.HELD):
        assert slip.id is not None
        return PostResult(slip.id, slip.number or "", slip.total_amount, already_posted=True)
    prep = prepare(session, slip_in)
    if day_is_closed(session, prep.ledger.id, prep.business_date):
        raise InputError(
            f"{prep.business_date} 已日结，不能再开这一天的单（补单请用今天的日期）。",
            field="business_date",
        )
    unapprovable = [i for i in prep.blocking if not i.needs_approval]
    needs = [i for i in prep.blocking if i.needs_approval]
    if unapprovable or (needs and approver is None):
        raise PolicyViolation(unapprovable + ([] if approver else needs))
    # A slip is born open (a trigger insists), gets its lines, then its number.
    slip_id = _save_header(session, slip, prep, slip_in, user)
    rows = _write_lines(
        session, slip_id, prep, approver if needs else None, replace=slip is not None
    )
    year = prep.business_date.year
    seq, number = next_number(session, prep.ledger, prep.type, year)
    posted = PostedSlip(
        id=slip_id,
        type=prep.type.value,
        customer_id=prep.customer.id if prep.customer is not None else None,
        warehouse_id=prep.warehouse.id,
        business_date=prep.business_date,
        posted_at=clock.now(),
    )
    session.connection().execute(
        _UPDATE_SLIP,
        {
            "slip_id": slip_id,
            "seq": seq,
            "number": number,
            "year": year,
            "status": SlipStatus.POSTED.value,
            "posted_at": posted.posted_at,
            "hold_reason": "",
            **({"approver_id": approver.id} if needs and approver is not None else {}),
        },
    )
    _move_stock(session, posted, rows, user)
    remember_last_prices(session, posted, rows)
    audit.append(
        session,
        "slip.post",
        user_id=user.id,
        entity="slip",
        entity_id=slip_id,
        number=number,
        total=str(prep.total_amount),
        approver=approver.code if needs and approver else None,
        approved=[i.message for i in needs],
    )
    if printer:
        spool.enqueue(session, slip_id, printer, user_id=user.id)
    return PostResult(
        slip_id,
        number,
        prep.total_amount,
        warnings=tuple(i.message for i in prep.warnings),
    )


def hold(
    db: Database,
    slip_in: SlipIn,
    *,
    user: UserInfo,
    reasons: list[str] | None = None,
    held_id: int | None = None,
) -> HoldResult:
    """挂单: keep an unfinished or policy-breaking order, without a number."""
    with db.write() as session:
        slip = _find_open(session, slip_in, held_id)
        if slip is not None and slip.status not in (SlipStatus.DRAFT, SlipStatus.HELD):
            raise StateError(f"单据 {slip.number} 已过账，不能挂单。")
        prep = prepare(session, slip_in)
        why = reasons if reasons is not None else [i.message for i in prep.blocking]
        slip_id = _save_header(
            session,
            slip,
            prep,
            slip_in,
            user,
            status=SlipStatus.HELD.value,
            hold_reason="；".join(why)[:1000],
        )
        _write_lines(session, slip_id, prep, None, replace=slip is not None)
        audit.append(
            session, "slip.hold", user_id=user.id, entity="slip", entity_id=slip_id, reasons=why
        )
        return HoldResult(slip_id, tuple(why))


@dataclass(frozen=True, slots=True)
class HeldSummary:
    id: int
    customer: str
    lines: int
    total: Decimal
    reason: str
    created_at: datetime


def list_held(db: Database) -> list[HeldSummary]:
    with db.read() as session:
        rows = session.exec(
            select(Slip).where(Slip.status == SlipStatus.HELD.value).order_by(col(Slip.id).desc())
        ).all()
        return [
            HeldSummary(
                s.id or 0,
                s.cust_name or s.recipient,
                s.line_count,
                s.total_amount,
                s.hold_reason,
                s.created_at,
            )
            for s in rows
        ]


def recall(db: Database, slip_id: int) -> SlipIn:
    """A held slip back as typed input, to finish in order entry."""
    with db.read() as session:
        slip = session.get(Slip, slip_id)
        if slip is None or slip.status != SlipStatus.HELD.value:
            raise NotFound(f"没有找到挂单 #{slip_id}（可能已过账）。")
        lines = session.exec(
            select(SlipLine).where(SlipLine.slip_id == slip_id).order_by(col(SlipLine.line_no))
        ).all()
        out = []
        for ln in lines:
            codes = session.exec(
                select(SlipLineCode.code)
                .where(SlipLineCode.line_id == ln.id)
                .order_by(col(SlipLineCode.id))
            ).all()
            out.append(
                LineIn(
                    product=ln.code,
                    qty=f"{ln.qty.normalize():f}",
                    price=None if ln.is_gift else f"{ln.price:f}",
                    is_gift=ln.is_gift,
                    trace_codes=list(codes),
                    remarks=ln.remarks,
                )
            )
        ledger = session.get(Ledger, slip.ledger_id)
        wh = session.get(Warehouse, slip.warehouse_id)
        return SlipIn(
            type=SlipType(slip.type),
            customer=slip.cust_code or None,
            settlement=slip.settlement,
            delivery=slip.delivery,
            remarks=slip.remarks,
            recipient=slip.recipient,
            po_number=slip.po_number,
            handler=slip.handler,
            ledger=ledger.code if ledger else None,
            warehouse=wh.code if wh else None,
            business_date=slip.business_date,
            idempotency_key=slip.idempotency_key,
            discount=f"-{slip.discount_amount}" if slip.discount_amount else "",
            against=_number_of(session, slip.against_id),
            lines=out,
        )


def _number_of(session: Session, slip_id: int | None) -> str | None:
    if slip_id is None:
        return None
    found = session.get(Slip, slip_id)
    return found.number if found is not None else None


def returnable(session: Session, original: Slip) -> dict[int, Returnable]:
    """Per product of a posted sale: sold, returned so far, paid and refunded so far."""
    _slip, out = _against(
        session,
        SlipIn(type=SlipType.RETURN, against=original.number, lines=[]),
        SlipType.RETURN,
        None,
    )
    return out
