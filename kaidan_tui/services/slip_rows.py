"""The rows a post writes: the slip header, its lines and trace codes, stock moves.

Plain Core and :class:`~kaidan_tui.db.bulk.Bulk` statements on the session's
connection, inside the caller's write transaction (this is the hot path of posting:
bench/post_bench.py). services/slips.py decides what to write and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, delete, insert, update
from sqlmodel import Session, select

from kaidan_tui.db.bulk import Bulk
from kaidan_tui.db.models import Slip, metadata
from kaidan_tui.domain.enums import SlipType
from kaidan_tui.domain.text import clean_text
from kaidan_tui.services.slip_input import PreparedSlip, SlipIn, typed_or_record
from kaidan_tui.services.users import UserInfo


def header_values(prep: PreparedSlip, slip_in: SlipIn, user: UserInfo) -> dict[str, Any]:
    """The slip's header columns: what was typed plus a snapshot of the customer as printed."""
    c = prep.customer
    return {
        "ledger_id": prep.ledger.id,
        "type": prep.type.value,
        "business_date": prep.business_date,
        "customer_id": c.id if c is not None else None,
        "cust_code": c.code if c is not None else "",
        "cust_name": c.name if c is not None else "",
        "cust_contact": typed_or_record(slip_in, c, "contact"),
        "cust_phone": typed_or_record(slip_in, c, "phone"),
        "cust_address": c.address if c is not None else "",
        "channel": c.channel if c is not None else "",
        "freight_station": typed_or_record(slip_in, c, "freight_station"),
        "freight_phone": typed_or_record(slip_in, c, "freight_phone"),
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
UPDATE_SLIP = update(_SLIP).where(_SLIP.c.id == bindparam("slip_id"))
_LINE_IDS = select(_SLIP_LINE.c.line_no, _SLIP_LINE.c.id).where(
    _SLIP_LINE.c.slip_id == bindparam("slip_id")
)


def save_header(
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
    values = header_values(prep, slip_in, user) | extra
    conn = session.connection()
    if slip is None:
        values["idempotency_key"] = slip_in.idempotency_key
        slip_id: int = conn.execute(_INSERT_SLIP, values).scalar_one()
        return slip_id
    assert slip.id is not None
    conn.execute(UPDATE_SLIP, values | {"slip_id": slip.id})
    return slip.id


@dataclass(frozen=True, slots=True)
class WrittenLine:
    id: int
    product_id: int
    qty: Decimal
    price: Decimal
    is_gift: bool


ADD_STOCK = Bulk(
    metadata.tables["stock"],
    ("product_id", "warehouse_id", "qty"),
    tail="ON CONFLICT (product_id, warehouse_id) DO UPDATE SET qty = stock.qty + excluded.qty",
)
"""On-hand quantities adjusted: rows of (product_id, warehouse_id, signed qty)."""
_LINE_COLUMNS = (
    "slip_id",
    "line_no",
    "product_id",
    "code",
    "name",
    "spec",
    "unit",
    "qty",
    "price",
    "amount",
    "paid",
    "policy_price",
    "price_source",
    "approved_by_id",
    "approval_reason",
    "is_gift",
    "remarks",
)
_INSERT_LINES = Bulk(_SLIP_LINE, _LINE_COLUMNS)
_INSERT_CODES = Bulk(_SLIP_LINE_CODE, ("line_id", "code"))
_INSERT_MOVES = Bulk(
    _STOCK_MOVEMENT,
    (
        "product_id",
        "warehouse_id",
        "qty",
        "kind",
        "slip_id",
        "line_id",
        "user_id",
        "created_at",
        "remarks",
    ),
)


def write_lines(
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
    rows = []
    for ln in prep.lines:
        approved = approver is not None and any(i.needs_approval for i in ln.issues)
        reason = "；".join(i.message for i in ln.issues if i.needs_approval) if approved else ""
        p = ln.product
        rows.append(
            (
                slip_id,
                ln.line_no,
                p.id or 0,
                p.code,
                p.name,
                p.spec,
                p.unit,
                ln.qty,
                ln.price,
                ln.amount,
                ln.paid,
                ln.policy.price if ln.policy is not None else None,
                ln.source.value,
                approver.id if approved and approver is not None else None,
                reason[:200],
                ln.is_gift,
                ln.remarks,
            )
        )
    # executemany, then the ids by line number: two statements for any line count
    # (RETURNING in parameter order would run one INSERT per line on SQLite).
    _INSERT_LINES.run(conn, rows)
    by_no: dict[int, int] = {no: i for no, i in conn.execute(_LINE_IDS, {"slip_id": slip_id})}
    ids: list[int] = [by_no[ln.line_no] for ln in prep.lines]
    _INSERT_CODES.run(
        conn,
        (
            (line_id, code)
            for line_id, ln in zip(ids, prep.lines, strict=True)
            for code in ln.trace_codes
        ),
    )
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


def move_stock(session: Session, slip: PostedSlip, rows: list[WrittenLine], user: UserInfo) -> None:
    """One movement per line, and the on-hand quantity adjusted by the same amounts."""
    sign = SlipType(slip.type).stock_sign
    conn = session.connection()
    _INSERT_MOVES.run(
        conn,
        (
            (
                row.product_id,
                slip.warehouse_id,
                row.qty * sign,
                "slip",
                slip.id,
                row.id,
                user.id,
                slip.posted_at,
                "",
            )
            for row in rows
        ),
    )
    ADD_STOCK.run(conn, ((row.product_id, slip.warehouse_id, row.qty * sign) for row in rows))
