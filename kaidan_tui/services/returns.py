"""Returns against a sale: what each product of it can still take back, and for how much.

A return against a slip refunds what was paid (docs/money.md, rule 2): per unit of the
line, net of the whole-slip discount, and the last unit refunds exactly what is left.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, func, select

from kaidan_tui.db.models import Customer, Slip, SlipLine
from kaidan_tui.domain.enums import SlipStatus, SlipType
from kaidan_tui.domain.errors import InputError, PolicyIssue
from kaidan_tui.domain.money import ZERO, money
from kaidan_tui.domain.slip_kinds import Original
from kaidan_tui.services.slip_input import PreparedLine, SlipIn


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


def refund(r: Returnable, qty: Decimal, done_qty: Decimal, done_amount: Decimal) -> Decimal:
    """What returning ``qty`` refunds, after ``done_qty`` came back for ``done_amount``
    (this slip's earlier lines of the product included): pro rata to what was paid, and
    the return that takes the last unit refunds exactly what is left (docs/money.md)."""
    if r.returned + done_qty + qty >= r.sold:
        return r.paid - r.refunded - done_amount
    return money(r.paid * qty / r.sold)


def against(
    session: Session, slip_in: SlipIn, kind: SlipType, customer: Customer | None
) -> tuple[Slip | None, dict[int, Returnable]]:
    """The sale a return is made against, and per product: sold, already returned, price."""
    if not (slip_in.against and slip_in.against.strip()):
        return None, {}
    if kind.kind.original is not Original.MAY:
        raise InputError("只有退货单可以对原单开。", field="against")
    number = slip_in.against.strip().upper()
    original = session.exec(select(Slip).where(Slip.number == number)).first()
    if original is None or original.type not in kind.kind.against:
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


def check_returnable(
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


def returnable(session: Session, original: Slip) -> dict[int, Returnable]:
    """Per product of a posted sale: sold, returned so far, paid and refunded so far."""
    _slip, out = against(
        session,
        SlipIn(type=SlipType.RETURN, against=original.number, lines=[]),
        SlipType.RETURN,
        None,
    )
    return out


PRO_RATA = "refund_pro_rata"


def pro_rata_issue(line_no: int, refund: Decimal, qty: Decimal, price: Decimal) -> PolicyIssue:
    """A line of a return against a slip refunds its share of what was paid, so with a
    whole-slip discount (or 抹零) on the sale its 金额 is not 数量 × 单价: said, not hidden
    (a shown 3 × 51.98 next to 155.95 looked like an error). Informational only."""
    return PolicyIssue(
        PRO_RATA,
        f"第{line_no}行退款 {refund} 按原单实付分摊（原单有整单优惠或抹零），"
        f"不等于 {qty.normalize():f} × {price}",
        line_no=line_no,
        blocking=False,
        needs_approval=False,
    )
