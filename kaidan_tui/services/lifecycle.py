"""After posting: void (作废) and red reversal (红冲), by the rules D4/D5.

- **Void**: the slip keeps its number and every part of it; it is stamped void with
  the reason, the supervisor and the time; its stock movements are reversed by new
  movements (nothing is deleted), and it leaves the customer's balance.
- **Red reversal**: a new slip in its own series (HC…) with every line negated, that
  references the original; the original is marked reversed. Used where a void is no
  longer allowed (a closed day) or the paper has already left the building.

Both need a supervisor verified by :func:`kaidan_tui.services.users.approve`, and both
write the audit log in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import (
    CustomerLastPrice,
    Slip,
    SlipLine,
    SlipLineCode,
    StockMovement,
)
from kaidan_tui.db.queries.slips import day_is_closed, find_slip
from kaidan_tui.domain import clock
from kaidan_tui.domain.enums import SlipStatus, SlipType
from kaidan_tui.domain.errors import InputError, PermissionDenied, StateError
from kaidan_tui.domain.slip_kinds import CHARGING
from kaidan_tui.domain.text import clean_text
from kaidan_tui.services import audit, spool
from kaidan_tui.services.slip_rows import ADD_STOCK
from kaidan_tui.services.slips import next_number
from kaidan_tui.services.store import config
from kaidan_tui.services.users import UserInfo

if TYPE_CHECKING:
    from kaidan_tui.services.slips import SlipIn


@dataclass(frozen=True, slots=True)
class LifecycleResult:
    slip_id: int
    number: str
    reversal_number: str = ""


def _posted(session: Session, number: str) -> Slip:
    slip = find_slip(session, number)
    if slip.status == SlipStatus.VOID.value:
        raise StateError(f"单据 {slip.number} 已作废（{slip.void_reason}），不能再处理。")
    if slip.status == SlipStatus.REVERSED.value:
        raise StateError(f"单据 {slip.number} 已红冲，不能再处理。")
    if slip.status != SlipStatus.POSTED.value:
        raise StateError(f"单据 {number} 还没有过账。")
    return slip


def _no_returns_against(session: Session, slip: Slip, what: str) -> None:
    """A sale with posted returns against it is not undone whole (docs/money.md, rule 3):
    the returns already took part of it back, so undoing it would count them twice."""
    returns = session.exec(
        select(Slip.number)
        .where(Slip.against_id == slip.id, Slip.status == SlipStatus.POSTED.value)
        .order_by(col(Slip.id))
    ).all()
    if returns:
        names = "、".join(n for n in returns if n)
        raise StateError(
            f"单据 {slip.number} 已有退货单 {names} 对它退货，不能{what}。"
            f"请先红冲或作废这些退货单，再{what}原单。"
        )


def _reason(reason: str) -> str:
    text_ = clean_text(reason)
    if len(text_) < 2:
        raise InputError("请写明原因（至少两个字），会印在单据上并记入日志。", field="reason")
    return text_


def _supervisor(approver: UserInfo | None) -> UserInfo:
    if approver is None or not approver.is_supervisor:
        raise PermissionDenied("需要主管审批：请主管输入编码和 PIN。")
    return approver


def _reverse_stock(
    session: Session, slip: Slip, kind: str, user: UserInfo, *, on: Slip | None = None
) -> None:
    """New movements that cancel the slip's own, and stock adjusted by the same.

    ``on``: the slip the movements are recorded against (the reversal slip for 红冲;
    the voided slip itself by default).
    """
    moves = session.exec(
        select(StockMovement).where(StockMovement.slip_id == slip.id, StockMovement.kind == "slip")
    ).all()
    now = clock.now()
    label = "作废" if kind == "void" else "红冲"
    for m in moves:
        session.add(
            StockMovement(
                product_id=m.product_id,
                warehouse_id=m.warehouse_id,
                qty=-m.qty,
                kind=kind,
                slip_id=(on or slip).id,
                line_id=m.line_id if on is None else None,
                user_id=user.id,
                created_at=now,
                remarks=f"{label} {slip.number}",
            )
        )
    session.flush()
    ADD_STOCK.run(session.connection(), ((m.product_id, m.warehouse_id, -m.qty) for m in moves))


def _forget_last_prices(session: Session, slip: Slip) -> None:
    """The customer's last price must not come from a slip that no longer counts: it
    falls back to the latest sale that still does (or to none)."""
    rows = session.exec(select(CustomerLastPrice).where(CustomerLastPrice.slip_id == slip.id)).all()
    for row in rows:
        session.delete(row)
    session.flush()
    for row in rows:
        prev = session.exec(
            select(col(SlipLine.price), col(SlipLine.qty), col(Slip.id), col(Slip.posted_at))
            .join(Slip, col(Slip.id) == SlipLine.slip_id)
            .where(
                Slip.customer_id == row.customer_id,
                SlipLine.product_id == row.product_id,
                col(Slip.type).in_(CHARGING),
                Slip.status == SlipStatus.POSTED.value,
                col(SlipLine.is_gift).is_(False),
            )
            .order_by(col(Slip.posted_at).desc(), col(Slip.id).desc())
            .limit(1)
        ).first()
        if prev is None:
            continue
        price, qty, slip_id, posted_at = prev
        if slip_id is not None and posted_at is not None:
            session.add(
                CustomerLastPrice(
                    customer_id=row.customer_id,
                    product_id=row.product_id,
                    price=price,
                    qty=qty,
                    slip_id=slip_id,
                    posted_at=posted_at,
                )
            )
    session.flush()


def void(
    db: Database, number: str, *, reason: str, user: UserInfo, approver: UserInfo | None
) -> LifecycleResult:
    """作废: reason, supervisor, time; stock given back; the number stays in its series."""
    why = _reason(reason)
    boss = _supervisor(approver)
    with db.write() as session:
        slip = _posted(session, number)
        if day_is_closed(session, slip.ledger_id, slip.business_date):
            if day_is_closed(session, slip.ledger_id, clock.today()):
                raise StateError(
                    f"{slip.business_date} 已日结，单据 {slip.number} 不能作废；今天也已日结，"
                    "不能再开红冲单：请在下一个营业日红冲它（红冲记在那一天）。"
                )
            raise StateError(
                f"{slip.business_date} 已日结，单据 {slip.number} 不能作废；请改用红冲。"
            )
        if not SlipType(slip.type).kind.voidable:
            original = session.get(Slip, slip.reverses_id) if slip.reverses_id else None
            of = f"（它冲销了 {original.number}）" if original is not None else ""
            again = SlipType(original.type).slip_title if original is not None else "单"
            raise StateError(
                f"{slip.number} 是红冲单{of}，不能作废：作废它会让原单的库存和金额对不上。"
                f"如果红冲错了，请按原单重新开一张{again}。"
            )
        _no_returns_against(session, slip, "作废")
        slip.status = SlipStatus.VOID.value
        slip.void_reason = why
        slip.voided_by_id = boss.id
        slip.voided_at = clock.now()
        session.add(slip)
        session.flush()
        _reverse_stock(session, slip, "void", user)
        _forget_last_prices(session, slip)
        assert slip.id is not None and slip.number is not None
        audit.append(session, "slip.void", user_id=user.id, entity="slip", entity_id=slip.id,
                     number=slip.number, reason=why, approver=boss.code)  # fmt: skip
        return LifecycleResult(slip.id, slip.number)


def reverse(
    db: Database,
    number: str,
    *,
    reason: str,
    user: UserInfo,
    approver: UserInfo | None,
    printer: str | None = None,
) -> LifecycleResult:
    """红冲: a negative copy in the HC series referencing the original, posted today.

    With ``printer``, the 红冲单 is queued for it in the same transaction: the customer's
    copy of a reversal is paper like any slip, and a reversal with no print job would be
    one the driver never hands over."""
    why = _reason(reason)
    boss = _supervisor(approver)
    with db.write() as session:
        done = _reverse_in(session, number, why, user, boss)
        if printer:
            red = session.exec(select(Slip).where(Slip.number == done.reversal_number)).one()
            assert red.id is not None
            spool.enqueue(session, red.id, printer, user_id=user.id)
        return done


def _reverse_in(
    session: Session, number: str, why: str, user: UserInfo, boss: UserInfo
) -> LifecycleResult:
    original = _posted(session, number)
    if original.type == SlipType.REVERSAL.value:
        raise StateError(f"{original.number} 本身是红冲单，不能再红冲。")
    if original.type not in SlipType.REVERSAL.kind.against:
        label = SlipType(original.type).label
        raise StateError(f"{original.number} 是{label}，这类单据不能红冲。")
    assert original.id is not None and original.number is not None
    _no_returns_against(session, original, "红冲")
    today = clock.today()
    if day_is_closed(session, original.ledger_id, today):
        raise StateError(
            f"今天（{today}）已日结，不能再开红冲单：请在下一个营业日红冲（红冲记在那一天）。"
        )
    ledger = config(session).ledger_by_id(original.ledger_id)
    assert ledger is not None
    copy_fields = {
        k: getattr(original, k)
        for k in (
            "ledger_id", "customer_id", "cust_code", "cust_name", "cust_contact",
            "cust_phone", "cust_address", "channel", "freight_station", "freight_phone",
            "store_code", "po_number", "recipient", "settlement", "delivery",
            "warehouse_id", "handler",
        )
    }  # fmt: skip
    # Negate the original as it counts: a return stores positive figures that count
    # against the customer, so its 红冲 stores them positive; every other kind's go
    # negative. The balance and the printed slip both cancel out (docs/money.md, rule 4).
    sign = Decimal(1 if SlipType(original.type).kind.money_sign < 0 else -1)
    red = Slip(
        **copy_fields,
        type=SlipType.REVERSAL.value,
        status=SlipStatus.DRAFT.value,
        business_date=today,
        maker_id=user.id,
        approver_id=boss.id,
        reverses_id=original.id,
        remarks=f"红冲 {original.number}：{why}",
        line_count=original.line_count,
        total_qty=original.total_qty * sign,
        total_amount=original.total_amount * sign,
        discount_amount=original.discount_amount * sign,
    )
    session.add(red)
    session.flush()
    lines = session.exec(
        select(SlipLine).where(SlipLine.slip_id == original.id).order_by(col(SlipLine.line_no))
    ).all()
    for ln in lines:
        new = SlipLine(
            slip_id=red.id or 0,
            line_no=ln.line_no,
            product_id=ln.product_id,
            code=ln.code,
            name=ln.name,
            spec=ln.spec,
            unit=ln.unit,
            qty=ln.qty * sign,
            price=ln.price,
            amount=ln.amount * sign,
            paid=ln.paid * sign,
            policy_price=ln.policy_price,
            price_source=ln.price_source,
            is_gift=ln.is_gift,
            remarks=ln.remarks,
        )
        session.add(new)
        session.flush()
        for code in session.exec(
            select(SlipLineCode.code).where(SlipLineCode.line_id == ln.id)
        ).all():
            session.add(SlipLineCode(line_id=new.id or 0, code=code))
    # The codes reach the store while the 红冲 is a draft: flushed with the status
    # below, SQLAlchemy may write the slip first and the guard refuses codes of a
    # posted slip (a coded sale could not be reversed).
    session.flush()
    seq, red_number = next_number(session, ledger, SlipType.REVERSAL, today.year)
    red.seq, red.year, red.number = seq, today.year, red_number
    red.status = SlipStatus.POSTED.value
    red.posted_at = clock.now()
    session.add(red)
    original.status = SlipStatus.REVERSED.value
    session.add(original)
    session.flush()
    # The original's stock effect is cancelled (recorded against the reversal slip).
    _reverse_stock(session, original, "reversal", user, on=red)
    _forget_last_prices(session, original)
    assert red.id is not None
    audit.append(session, "slip.reverse", user_id=user.id, entity="slip", entity_id=red.id,
                 number=red_number, original=original.number, reason=why,
                 approver=boss.code)  # fmt: skip
    return LifecycleResult(original.id, original.number, red_number)


CORRECTABLE = {
    "address": ("cust_address", "送货地址", 200),
    "phone": ("cust_phone", "电话", 50),
    "contact": ("cust_contact", "联系人", 50),
    "remarks": ("remarks", "备注", 500),
    "delivery": ("delivery", "送货方式", 32),
    "handler": ("handler", "经手人", 50),
    "freight_station": ("freight_station", "托运部", 100),
    "freight_phone": ("freight_phone", "托运部电话", 50),
}
"""D17: fields of a posted slip that may be corrected before its day is closed."""


def correct(db: Database, number: str, field: str, value: str, *, user: UserInfo) -> str:
    """改资料 (D17): a wrong address or phone found late. Never money, never lines; only
    before the day is closed; the old and new value and who are in the audit log."""
    if field not in CORRECTABLE:
        names = "、".join(f"{k}（{v[1]}）" for k, v in CORRECTABLE.items())
        raise InputError(f"「{field}」不能改。只能改：{names}。金额和商品行只能红冲后重开。",
                         field="field")  # fmt: skip
    column, label, limit = CORRECTABLE[field]
    new = clean_text(value, multiline=field == "remarks")
    if len(new) > limit:
        raise InputError(f"{label}太长：最多 {limit} 个字。", field=field)
    with db.write() as session:
        slip = _posted(session, number)
        if day_is_closed(session, slip.ledger_id, slip.business_date):
            raise StateError(f"{slip.business_date} 已日结，{slip.number} 的资料不能再改。")
        old = getattr(slip, column)
        if old == new:
            return new
        setattr(slip, column, new)
        session.add(slip)
        session.flush()
        audit.append(session, "slip.correct", user_id=user.id, entity="slip", entity_id=slip.id,
                     number=slip.number, field=field, old=old, new=new)  # fmt: skip
        return new


def replace(
    db: Database,
    number: str,
    slip_in: SlipIn,
    *,
    reason: str,
    user: UserInfo,
    approver: UserInfo | None,
    printer: str | None = None,
) -> LifecycleResult:
    """改单: the 红冲 of the original and its replacement, posted in one transaction, each
    naming the other (on screen and in the printed remarks). Either both or neither."""
    from kaidan_tui.services.slips import post_in

    why = _reason(reason)
    boss = _supervisor(approver)
    with db.write() as session:
        red = _reverse_in(session, number, f"改单：{why}", user, boss)
        remarks = f"改单：替换原单 {red.number}（冲红 {red.reversal_number}）"
        new_in = slip_in.model_copy(
            update={"remarks": f"{remarks}；{slip_in.remarks}" if slip_in.remarks else remarks}
        )
        posted = post_in(session, new_in, user=user, approver=boss, printer=printer)
        red_slip = session.exec(select(Slip).where(Slip.number == red.reversal_number)).one()
        red_slip.remarks = f"{red_slip.remarks}；新单 {posted.number}"[:500]
        session.add(red_slip)
        session.flush()
        if printer and red_slip.id is not None:
            spool.enqueue(session, red_slip.id, printer, user_id=user.id)
        audit.append(session, "slip.replace", user_id=user.id, entity="slip",
                     entity_id=posted.slip_id, original=red.number, reversal=red.reversal_number,
                     new=posted.number, reason=why, approver=boss.code)  # fmt: skip
        return LifecycleResult(posted.slip_id, posted.number, red.reversal_number)
