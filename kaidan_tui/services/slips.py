"""Hold and post slips, in one transaction each.

``post`` checks the slip again inside the write transaction (services/prepare.py: so
stock and credit are read under the write lock), then numbers it from its counter row,
moves stock, remembers last prices and appends the audit row — all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, delete, insert, text, update
from sqlmodel import Session, col, select

from kaidan_tui.db.columns import Qty
from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Ledger, Slip, SlipLine, SlipLineCode, Warehouse, metadata
from kaidan_tui.db.queries.slips import day_is_closed
from kaidan_tui.domain import clock
from kaidan_tui.domain.enums import SlipStatus, SlipType
from kaidan_tui.domain.errors import InputError, NotFound, PolicyIssue, PolicyViolation, StateError
from kaidan_tui.domain.numbering import format_number
from kaidan_tui.domain.text import clean_text
from kaidan_tui.services import audit, spool

# What a slip is as typed and as checked (slip_input, returns) and the checking itself
# (prepare) live next door; they are named here too, where callers have always found them.
from kaidan_tui.services.prepare import prepare as prepare
from kaidan_tui.services.pricing import remember_last_prices
from kaidan_tui.services.returns import Returnable as Returnable
from kaidan_tui.services.returns import returnable as returnable
from kaidan_tui.services.returns import slip_in_held_id as slip_in_held_id
from kaidan_tui.services.slip_input import LineIn as LineIn
from kaidan_tui.services.slip_input import PreparedLine as PreparedLine
from kaidan_tui.services.slip_input import PreparedSlip as PreparedSlip
from kaidan_tui.services.slip_input import SlipIn as SlipIn
from kaidan_tui.services.store import LedgerInfo
from kaidan_tui.services.users import UserInfo


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
        .execute(_STEP_COUNTER, {"l": ledger.id, "t": kind.kind.series, "y": year})
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
_LINE_IDS = select(_SLIP_LINE.c.line_no, _SLIP_LINE.c.id).where(
    _SLIP_LINE.c.slip_id == bindparam("slip_id")
)


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
    # executemany, then the ids by line number: two statements for any line count
    # (RETURNING in parameter order would run one INSERT per line on SQLite).
    conn.execute(insert(_SLIP_LINE), params)
    by_no: dict[int, int] = {no: i for no, i in conn.execute(_LINE_IDS, {"slip_id": slip_id})}
    ids: list[int] = [by_no[ln.line_no] for ln in prep.lines]
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
        later = (
            "请在下一个营业日开单" if prep.business_date == clock.today() else "补单请用今天的日期"
        )
        raise InputError(
            f"{prep.business_date} 已日结，不能再开这一天的单（{later}）。", field="business_date"
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
