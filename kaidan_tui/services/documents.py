"""Print documents: a slip as it was posted, laid out by :mod:`kaidan_tui.printing`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Session, col, select

from kaidan_tui.db.models import Ledger, Slip, SlipLine, SlipLineCode, User
from kaidan_tui.domain.enums import SlipStatus, SlipType
from kaidan_tui.domain.errors import NotFound
from kaidan_tui.printing.layout import DocLine, SlipDoc


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.exec(select(User.id, User.name).where(col(User.id).in_(wanted))).all()
    return {uid: name for uid, name in rows if uid is not None}


def slip_document(
    session: Session, slip_id: int, *, reprint_no: int = 0, printed_at: datetime | None = None
) -> SlipDoc:
    """The slip as it was posted, ready for :func:`~kaidan_tui.printing.layout.layout`."""
    slip = session.get(Slip, slip_id)
    if slip is None or slip.number is None:
        raise NotFound(f"找不到已过账的单据（编号 {slip_id}）")
    ledger = session.get(Ledger, slip.ledger_id)
    kind = SlipType(slip.type)
    sign = Decimal(kind.kind.print_sign)
    lines = session.exec(
        select(SlipLine).where(SlipLine.slip_id == slip_id).order_by(col(SlipLine.line_no))
    ).all()
    codes: dict[int, list[str]] = {}
    line_ids = [ln.id for ln in lines if ln.id is not None]
    if line_ids:
        for line_id, code in session.exec(
            select(SlipLineCode.line_id, SlipLineCode.code)
            .where(col(SlipLineCode.line_id).in_(line_ids))
            .order_by(col(SlipLineCode.id))
        ):
            codes.setdefault(line_id, []).append(code)
    names = _names(session, {slip.maker_id, slip.approver_id})
    reference = ""
    discount = slip.discount_amount
    if slip.reverses_id is not None:
        original = session.get(Slip, slip.reverses_id)
        reference = f"红冲原单：{original.number}" if original and original.number else ""
        if original is not None and not discount:  # a 红冲 made before it copied the discount
            discount = -original.discount_amount
    elif slip.against_id is not None:
        original = session.get(Slip, slip.against_id)
        reference = f"原单：{original.number}" if original and original.number else ""
    return SlipDoc(
        header=ledger.header if ledger else "",
        title=kind.slip_title,
        number=slip.number,
        business_date=slip.business_date,
        lines=tuple(
            DocLine(
                no=ln.line_no,
                code=ln.code,
                name=ln.name,
                spec=ln.spec,
                unit=ln.unit,
                qty=ln.qty * sign,
                price=ln.price,
                amount=ln.amount * sign,
                remarks=ln.remarks,
                codes=tuple(codes.get(ln.id or 0, ())),
                is_gift=ln.is_gift,
            )
            for ln in lines
        ),
        total_qty=slip.total_qty * sign,
        total_amount=slip.total_amount * sign,
        maker=names.get(slip.maker_id, ""),
        cust_code=slip.cust_code,
        cust_name=slip.cust_name,
        contact=slip.cust_contact,
        phone=slip.cust_phone,
        address=slip.cust_address,
        channel=slip.channel,
        freight_station=slip.freight_station,
        freight_phone=slip.freight_phone,
        store_code=slip.store_code,
        po_number=slip.po_number,
        recipient=slip.recipient,
        settlement=slip.settlement,
        delivery=slip.delivery,
        remarks=slip.remarks,
        handler=slip.handler,
        approver=names.get(slip.approver_id or 0, ""),
        ledger_phone=ledger.phone if ledger else "",
        void=slip.status == SlipStatus.VOID,
        void_reason=slip.void_reason,
        reprint_no=reprint_no,
        printed_at=printed_at.astimezone() if printed_at else None,
        reference=reference,
        discount_amount=discount,
    )
