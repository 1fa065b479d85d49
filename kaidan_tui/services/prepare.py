"""Check a typed slip against the store, in named stages over one prepared-slip value.

``prepare`` turns what a clerk (or a file) typed into a checked slip: products and
customer resolved, quantities and prices parsed, policy prices filled in, totals
computed and every policy issue listed. The TUI calls it live; ``post`` calls it again
inside the write transaction, so stock and credit are read under the write lock.

The stages, in order (each reads its rules from the slip kind's row, domain/slip_kinds):

1. :func:`resolve_header`: the kind, date, customer, original slip, settlement, ledger
   and warehouse;
2. :func:`load_facts`: every product and price fact the lines need, in bulk;
3. :func:`price_lines`: each line's product, quantity and price, with its own issues;
4. :func:`allocate_discount`: the whole-slip discount, shared out to the lines;
5. :func:`check_stock`, :func:`check_credit`, and in services/header_checks.py
   ``check_signatures`` and ``check_channel``: what the slip
   as a whole needs approved.

The facts are loaded up front, so a post does a fixed number of queries whatever its
line count (tests/test_posting_stages.py counts them).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlmodel import Session

from kaidan_tui.db.models import Customer, Product, Slip
from kaidan_tui.db.queries.catalog import (
    customer_by_code,
    on_hand,
    product_by_code,
    products_by_codes,
)
from kaidan_tui.db.queries.slips import next_open_day
from kaidan_tui.domain import clock
from kaidan_tui.domain.discount import allocate, slip_discount
from kaidan_tui.domain.enums import PriceSource, Settlement, SlipType
from kaidan_tui.domain.errors import InputError, KaidanError, NotFound, PolicyIssue, StateError
from kaidan_tui.domain.money import (
    MAX_AMOUNT,
    ZERO,
    is_price,
    line_amount,
    money,
    parse_price,
    parse_quantity,
)
from kaidan_tui.domain.pricing import (
    PriceFacts,
    PriceSuggestion,
    check_price,
    policy_price,
    start_price,
)
from kaidan_tui.domain.pricing import (
    check_stock as stock_issues,
)
from kaidan_tui.domain.slip_kinds import Party, Prices, SlipKind
from kaidan_tui.domain.text import clean_text
from kaidan_tui.services.header_checks import check_channel, check_credit, check_signatures
from kaidan_tui.services.pricing import price_facts_many
from kaidan_tui.services.returns import (
    Returnable,
    against,
    check_returnable,
    pro_rata_issue,
    refund,
)
from kaidan_tui.services.slip_input import (
    LineIn,
    PreparedLine,
    PreparedSlip,
    SlipIn,
)
from kaidan_tui.services.store import (
    FREE_DISCOUNT,
    LedgerInfo,
    StoreConfig,
    WarehouseInfo,
    config,
)
from kaidan_tui.services.trace_codes import check_codes


@dataclass(slots=True)
class Header:
    """Stage 1's answer: who, when, where, and against what."""

    type: SlipType
    kind: SlipKind
    business_date: date
    today: date
    customer: Customer | None
    against: Slip | None
    returnable: dict[int, Returnable]
    settlement: Settlement
    store: StoreConfig
    ledger: LedgerInfo
    warehouse: WarehouseInfo


@dataclass(slots=True)
class Facts:
    """Stage 2's answer: what the lines need from the store, loaded in bulk."""

    products: dict[str, Product]
    prices: dict[int, PriceFacts]
    refunded: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)
    """Per product of a return against a slip: (qty, amount) taken by earlier lines."""


def prepare(
    session: Session, slip_in: SlipIn, *, on: date | None = None, replacing: str | None = None
) -> PreparedSlip:
    """Check a typed slip against the store; raise InputError on bad input.

    Policy problems (price, credit, stock, trace codes, supervisor signature) do not
    raise: they are listed in ``issues`` for the caller to show, approve or hold.
    ``replacing``: the posted slip a 改单 replaces (its trace codes are coming back).
    """
    head = resolve_header(session, slip_in, on=on)
    facts = load_facts(session, head, slip_in.lines)
    lines = price_lines(session, head, facts, slip_in.lines)
    if head.against is not None:
        check_returnable(head.against, head.returnable, lines)
    subtotal = sum((ln.amount for ln in lines), ZERO)
    if subtotal > MAX_AMOUNT:
        raise InputError(f"单据合计 {subtotal} 过大，请检查数量和单价。", field="qty")
    discount, issues = allocate_discount(head, slip_in.discount, lines, subtotal)
    total_amount = subtotal - discount
    issues = [i for ln in lines for i in ln.issues] + issues
    issues += check_stock(session, head, lines)
    issues += check_codes(session, head.kind, lines, replacing=replacing)
    issues += check_credit(session, head, total_amount)
    issues += check_signatures(head)
    issues += check_channel(head, slip_in)
    return PreparedSlip(
        type=head.type,
        ledger=head.ledger,
        warehouse=head.warehouse,
        customer=head.customer,
        settlement=head.settlement,
        business_date=head.business_date,
        lines=lines,
        total_qty=sum((ln.qty for ln in lines), Decimal("0")),
        total_amount=total_amount,
        issues=issues,
        discount_amount=discount,
        against_id=head.against.id if head.against is not None else None,
        delivery=clean_text(slip_in.delivery)
        or (head.against.delivery if head.against is not None else ""),
    )


# -- 1. the header ----------------------------------------------------------------------


def resolve_header(session: Session, slip_in: SlipIn, *, on: date | None = None) -> Header:
    kind_type = slip_in.type
    kind = kind_type.kind
    today = clock.today()
    business_date = slip_in.business_date or on or today
    customer: Customer | None = None
    if slip_in.customer and slip_in.customer.strip():
        customer = customer_by_code(session, slip_in.customer)
    elif kind.party is Party.CUSTOMER and kind.entered:
        raise InputError(f"{kind.label}必须选择客户。", field="customer")
    if (
        kind.party is Party.CUSTOMER_OR_RECIPIENT
        and customer is None
        and not clean_text(slip_in.recipient)
    ):
        raise InputError(f"{kind.label}必须填写领用单位或领用人。", field="recipient")
    if not kind.entered:
        raise InputError(f"{kind.label}单只能从原单生成，不能直接开。", field="type")
    if kind.reason and not clean_text(slip_in.remarks):
        raise InputError(f"{kind.label}单要在备注里写明原因。", field="remarks")
    if not slip_in.lines:
        raise InputError("单据没有商品行，请至少输入一行。", field="product")
    original, returnable = against(session, slip_in, kind_type, customer)
    # A return against a slip settles the way the slip did, unless told otherwise.
    settlement = _settlement(
        slip_in.settlement or (original.settlement if original is not None else None), customer
    )
    store = config(session)
    ledger = _ledger(store, slip_in.ledger, customer)
    if business_date > today and business_date != next_open_day(session, ledger.id, today):
        raise InputError(
            f"单据日期 {business_date} 晚于今天，不能开未来日期的单"
            "（今天日结以后，才可以记入下一个营业日）。",
            field="business_date",
        )
    return Header(
        type=kind_type,
        kind=kind,
        business_date=business_date,
        today=today,
        customer=customer,
        against=original,
        returnable=returnable,
        settlement=settlement,
        store=store,
        ledger=ledger,
        warehouse=_warehouse(store, slip_in.warehouse),
    )


def ledger_for(session: Session, slip_in: SlipIn) -> LedgerInfo:
    """The ledger (账套) a typed slip goes to: as typed, else the customer's, else the
    default one."""
    code = (slip_in.customer or "").strip()
    customer = customer_by_code(session, code) if code else None
    return _ledger(config(session), slip_in.ledger, customer)


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


# -- 2. the facts -----------------------------------------------------------------------


def load_facts(session: Session, head: Header, lines: list[LineIn]) -> Facts:
    """Products by code (two queries) and, for priced kinds, price facts (three)."""
    products = products_by_codes(session, [raw.product for raw in lines])
    prices: dict[int, PriceFacts] = {}
    if head.kind.prices in (Prices.POLICY, Prices.REFUND):
        prices = price_facts_many(
            session, head.customer, list(products.values()), head.business_date
        )
    return Facts(products, prices)


# -- 3. the lines -----------------------------------------------------------------------


def price_lines(
    session: Session, head: Header, facts: Facts, lines: list[LineIn]
) -> list[PreparedLine]:
    return [_line(session, head, facts, n, raw) for n, raw in enumerate(lines, start=1)]


def _line_error(line_no: int, exc: KaidanError) -> InputError:
    return InputError(f"第{line_no}行：{exc.message}", field=exc.field)


def _line(session: Session, head: Header, facts: Facts, n: int, raw: LineIn) -> PreparedLine:
    kind = head.kind
    try:
        # a code the bulk load missed (typed oddly) is looked up on its own
        product = facts.products.get(raw.product.strip().upper()) or product_by_code(
            session, raw.product
        )
        qty = parse_quantity(raw.qty)
    except KaidanError as exc:
        raise _line_error(n, exc) from None
    pf: PriceFacts | None = facts.prices.get(product.id or 0)
    suggestion = policy_price(pf, head.store.price_order) if pf is not None else None
    label = f"「{product.name}」"
    sold = head.returnable.get(product.id or 0) if head.against is not None else None
    if head.against is not None and sold is None:
        raise InputError(
            f"第{n}行：原单 {head.against.number} 没有商品「{product.code} {product.name}」，"
            "不能对原单退货。",
            field="product",
        )
    price, source, paid_back = _price(head, facts, n, raw, product, qty, pf, sold)
    if line_amount(qty, price) > MAX_AMOUNT:
        raise InputError(
            f"第{n}行：金额过大（数量 {qty.normalize():f} × 单价 {price}），请检查是否多输了数字。",
            field="qty",
        )
    issues = _price_issues(head, n, raw, label, price, pf, suggestion, sold)
    if kind.prices is Prices.REFUND and price == 0:
        raise InputError(f"第{n}行：退货单价不能为 0（D10），请输入实际单价。", field="price")
    codes = [c for c in (clean_text(x) for x in raw.trace_codes) if c]
    if product.coded and kind.stock_sign < 0 and Decimal(len(codes)) != qty:
        issues.append(
            PolicyIssue(
                "trace_codes_missing",
                f"第{n}行{label}需要录入瓶码/箱码：数量 {qty.normalize():f}，已录 {len(codes)} 个",
                line_no=n,
                field="trace_codes",
                needs_approval=False,
            )
        )
    if paid_back is not None and paid_back != line_amount(qty, price):
        issues.append(pro_rata_issue(n, paid_back, qty, price))
    return PreparedLine(
        line_no=n,
        product=product,
        qty=qty,
        price=price,
        amount=paid_back if paid_back is not None else line_amount(qty, price),
        source=source,
        policy=suggestion,
        facts=pf,
        is_gift=raw.is_gift or kind.prices is Prices.FREE,
        trace_codes=codes,
        remarks=clean_text(raw.remarks),
        issues=issues,
    )


def _price(
    head: Header,
    facts: Facts,
    n: int,
    raw: LineIn,
    product: Product,
    qty: Decimal,
    pf: PriceFacts | None,
    sold: Returnable | None,
) -> tuple[Decimal, PriceSource, Decimal | None]:
    """The line's price and where it came from; for a return against a slip, also what
    it refunds (docs/money.md, rule 2)."""
    kind = head.kind
    typed = raw.price is not None and bool(str(raw.price).strip())
    if raw.is_gift or kind.prices is Prices.FREE:
        return ZERO, PriceSource.GIFT, None
    if sold is not None and (not typed or is_price(raw.price, sold.unit_paid)):
        pid = product.id or 0
        done_qty, done_amount = facts.refunded.get(pid, (ZERO, ZERO))
        back = refund(sold, qty, done_qty, done_amount)
        if back <= 0 and sold.returned + done_qty + qty <= sold.sold:
            number = head.against.number if head.against is not None else ""
            raise InputError(
                f"第{n}行：原单 {number} 的「{product.name}」货款已全部退完，不能再按原单退款。",
                field="qty",
            )
        facts.refunded[pid] = (done_qty + qty, done_amount + back)
        return sold.unit_paid, PriceSource.LAST, back
    start = start_price(
        head.type,
        pf or PriceFacts(list_price=product.list_price),
        head.store.price_order,
        product.cost,
    )
    if typed:
        try:
            price = parse_price(str(raw.price), allow_zero=kind.prices is not Prices.REFUND)
        except KaidanError as exc:
            raise _line_error(n, exc) from None
        return price, start.source if price == start.price else PriceSource.MANUAL, None
    return start.price, start.source, None


def _price_issues(
    head: Header,
    n: int,
    raw: LineIn,
    label: str,
    price: Decimal,
    pf: PriceFacts | None,
    suggestion: PriceSuggestion | None,
    sold: Returnable | None,
) -> list[PolicyIssue]:
    """What the kind's price rule asks approval for on this line."""
    rule = head.kind.prices
    if rule is Prices.POLICY and raw.is_gift and head.kind.gift_lines:
        return [
            PolicyIssue(
                "gift_line",
                f"第{n}行{label}为赠品（0 元出库），需主管审批",
                line_no=n,
                field="price",
            )
        ]
    if rule is Prices.POLICY and pf is not None and suggestion is not None:
        # floor and policy, whether the price was typed or came from policy
        return check_price(price, pf, suggestion, line_no=n, product_label=label)
    if rule is Prices.REFUND and (sold is not None or (pf is not None and suggestion is not None)):
        if sold is not None:
            paid = sold.unit_paid
        elif pf is not None and pf.last_price is not None:
            paid = pf.last_price
        else:
            assert suggestion is not None
            paid = suggestion.price
        if price > paid:
            return [
                PolicyIssue(
                    "return_price_high",
                    f"第{n}行{label}退货单价 {price} 高于客户上次售价 {paid}，需主管审批",
                    line_no=n,
                    field="price",
                )
            ]
    return []


# -- 4. the whole-slip discount ---------------------------------------------------------


def allocate_discount(
    head: Header, typed: str, lines: list[PreparedLine], subtotal: Decimal
) -> tuple[Decimal, list[PolicyIssue]]:
    """The discount (0 if none typed), shared out to the lines' ``paid`` by largest
    remainder (docs/money.md, rule 1), and the approval it needs above the free amount."""
    discount = ZERO
    issues: list[PolicyIssue] = []
    if typed.strip():
        if not head.kind.discount:
            raise InputError(f"{head.kind.label}单不能打整单折扣。", field="discount")
        discount = slip_discount(typed, subtotal)
        free = money(head.store.setting(FREE_DISCOUNT, "1.00") or "1.00")
        if discount > free:
            issues.append(
                PolicyIssue(
                    "discount",
                    f"整单优惠 {discount}（{typed.strip()}）超过 {free} 元，需主管审批",
                    field="discount",
                )
            )
    shares = allocate([ln.amount for ln in lines], discount, gifts=[ln.is_gift for ln in lines])
    for ln, share in zip(lines, shares, strict=True):
        ln.paid = ln.amount - share
    return discount, issues


# -- 5. the slip as a whole -------------------------------------------------------------


def check_stock(session: Session, head: Header, lines: list[PreparedLine]) -> list[PolicyIssue]:
    """Goods going out: enough on hand, per product over all its lines (one query)."""
    if head.kind.stock_sign >= 0:
        return []
    wanted: dict[int, Decimal] = defaultdict(Decimal)
    first_line: dict[int, PreparedLine] = {}
    for ln in lines:
        pid = ln.product.id
        assert pid is not None
        wanted[pid] += ln.qty
        first_line.setdefault(pid, ln)
    in_stock = on_hand(session, list(wanted), head.warehouse.id)
    issues: list[PolicyIssue] = []
    for pid, qty in wanted.items():
        ln = first_line[pid]
        found = stock_issues(
            line_no=ln.line_no,
            product_label=f"「{ln.product.name}」",
            wanted=qty,
            available=in_stock.get(pid, Decimal("0")),
            block=head.store.stock_blocks,
        )
        ln.issues += found
        issues += found
    return issues
