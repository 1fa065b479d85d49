"""Hold and post slips, in one transaction each.

``post`` checks the slip again inside the write transaction (services/prepare.py: so
stock and credit are read under the write lock), then numbers it from its counter row,
moves stock, remembers last prices and appends the audit row — all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import text
from sqlmodel import Session, select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Slip, User
from kaidan_tui.db.queries.slips import day_is_closed, next_open_day
from kaidan_tui.domain import clock
from kaidan_tui.domain.enums import Role, SlipStatus, SlipType
from kaidan_tui.domain.errors import (
    Diverged,
    InputError,
    KaidanError,
    NotFound,
    PolicyIssue,
    PolicyViolation,
)
from kaidan_tui.domain.numbering import format_number
from kaidan_tui.services import audit, autosave, spool
from kaidan_tui.services.held import UNCLAIMED, check_claim, release_in
from kaidan_tui.services.held import HeldSummary as HeldSummary
from kaidan_tui.services.held import list_held as list_held
from kaidan_tui.services.held import recall as recall

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
from kaidan_tui.services.slip_rows import (
    UPDATE_SLIP,
    PostedSlip,
    move_stock,
    save_header,
    write_lines,
)
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
    claim: str | None = None,
) -> PostResult:
    """Post a slip: validate, number, move stock, audit — one transaction.

    Posting the same order twice under one ``idempotency_key`` returns the first result
    and creates nothing; a different order under a used key is refused
    (:class:`Diverged`, with the posted slip's number). A held order (``held_id``) that
    another screen has claimed is refused too; ``claim`` is this screen's token
    (services/held.py). Blocking policy issues raise :class:`PolicyViolation` unless ``approver`` (a
    supervisor verified by :func:`kaidan_tui.services.users.approve`) covers them.
    With ``printer``, the slip's print job is queued in the same transaction, so a
    posted slip is never left without its print (see :mod:`kaidan_tui.services.spool`).
    """
    if approver is not None and not approver.is_supervisor:
        raise PolicyViolation([PolicyIssue("approval", "审批人不是主管")])
    with db.write() as session:
        return post_in(
            session,
            slip_in,
            user=user,
            approver=approver,
            held_id=held_id,
            printer=printer,
            claim=claim,
        )


def post_in(
    session: Session,
    slip_in: SlipIn,
    *,
    user: UserInfo,
    approver: UserInfo | None = None,
    held_id: int | None = None,
    printer: str | None = None,
    claim: str | None = None,
) -> PostResult:
    """:func:`post` inside the caller's write transaction (改单 posts two slips in one)."""
    slip = _find_open(session, slip_in, held_id)
    digest = slip_in.digest()
    if slip is not None and slip.status not in (SlipStatus.DRAFT, SlipStatus.HELD):
        assert slip.id is not None
        if slip.input_digest is not None and slip.input_digest != digest:
            raise Diverged(_posted_otherwise(session, slip), number=slip.number)
        return PostResult(slip.id, slip.number or "", slip.total_amount, already_posted=True)
    if slip is not None:
        check_claim(session, slip, claim)
    prep = prepare(session, slip_in)
    if day_is_closed(session, prep.ledger.id, prep.business_date):
        raise InputError(closed_day_message(session, prep), field="business_date")
    unapprovable = [i for i in prep.blocking if not i.needs_approval]
    needs = [i for i in prep.blocking if i.needs_approval]
    if unapprovable or (needs and approver is None):
        raise PolicyViolation(unapprovable + ([] if approver else needs))
    # A slip is born open (a trigger insists), gets its lines, then its number.
    slip_id = save_header(session, slip, prep, slip_in, user)
    rows = write_lines(
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
        UPDATE_SLIP,
        {
            "slip_id": slip_id,
            "seq": seq,
            "number": number,
            "year": year,
            "status": SlipStatus.POSTED.value,
            "posted_at": posted.posted_at,
            "hold_reason": "",
            "input_digest": digest,
            **UNCLAIMED,
            **({"approver_id": approver.id} if needs and approver is not None else {}),
        },
    )
    move_stock(session, posted, rows, user)
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
    claim: str | None = None,
) -> HoldResult:
    """挂单: keep an unfinished or policy-breaking order, without a number. Holding a
    recalled order again ends this screen's claim on it (``claim``, services/held.py)."""
    with db.write() as session:
        slip = _find_open(session, slip_in, held_id)
        if slip is not None and slip.status not in (SlipStatus.DRAFT, SlipStatus.HELD):
            raise Diverged(f"本单已过账为 {slip.number}，不能再挂单。", number=slip.number)
        if slip is not None:
            check_claim(session, slip, claim)
        prep = prepare(session, slip_in)
        return _hold_in(session, slip, prep, slip_in, user, reasons)


def _hold_in(
    session: Session,
    slip: Slip | None,
    prep: PreparedSlip,
    slip_in: SlipIn,
    user: UserInfo,
    reasons: list[str] | None,
) -> HoldResult:
    why = reasons if reasons is not None else [i.message for i in prep.blocking]
    slip_id = save_header(
        session,
        slip,
        prep,
        slip_in,
        user,
        status=SlipStatus.HELD.value,
        hold_reason="；".join(why)[:1000],
        **UNCLAIMED,
    )
    write_lines(session, slip_id, prep, None, replace=slip is not None)
    audit.append(
        session, "slip.hold", user_id=user.id, entity="slip", entity_id=slip_id, reasons=why
    )
    return HoldResult(slip_id, tuple(why))


def release(db: Database, slip_id: int, *, approver: UserInfo, user: UserInfo) -> str:
    """A supervisor frees held order ``slip_id`` from the screen that claimed it (that
    counter died). What that screen had typed — its open autosave, keyed by the claim —
    is saved into the held order first, so the next recall has it, and the autosave is
    closed: nothing typed there is lost, and it is not offered twice. Returns what to
    tell the supervisor."""
    with db.write() as session:
        slip = session.get(Slip, slip_id)
        if slip is None:
            raise NotFound(f"没有找到挂单 #{slip_id}。")
        saved = autosave.open_row(session, slip.claim_token) if slip.claim_token else None
        who = release_in(session, slip, approver=approver, user=user)
        session.refresh(slip)
        note = ""
        if saved is not None:
            snap = autosave.Snapshot.model_validate_json(saved.data)
            order = snap.slip.model_copy(update={"idempotency_key": slip.idempotency_key})
            try:
                prep = prepare(session, order)
            except KaidanError as exc:  # stays in that counter's unfinished orders
                note = f"；那台柜台没存的修改没能存回（{exc.message}），它下次登录时还会提示"
            else:
                clerk = session.get(User, saved.user_id)
                maker = user
                if clerk is not None:
                    maker = UserInfo(saved.user_id, clerk.code, clerk.name, Role(clerk.role))
                why = [f"挂单（主管释放，{saved.summary}）"]
                _hold_in(session, slip, prep, order, maker, why)
                done = f"主管释放，存回挂单 #{slip_id}"
                autosave.close_in(session, saved.key, user=user, outcome=done)
                note = f"；那台柜台没存的修改已存回挂单（{saved.summary}）"
        return who + note


def _posted_otherwise(session: Session, slip: Slip) -> str:
    """A post under the key of a slip already posted with other contents."""
    maker = session.get(User, slip.maker_id)
    when = f"{slip.posted_at.astimezone():%m-%d %H:%M}" if slip.posted_at else ""
    who = f"（{maker.name} {when}）" if maker is not None else ""
    return f"本单已过账为 {slip.number}{who}，内容与这次提交的不同：这次的修改没有保存。"


def closed_day_message(session: Session, prep: PreparedSlip) -> str:
    """A post into a closed business day: which day it may go to instead."""
    day, today = prep.business_date, clock.today()
    later = next_open_day(session, prep.ledger.id, today)
    if day == today:
        return f"今天（{day}）已日结：本单可记入下一个营业日 {later}（改单据日期），或先挂单。"
    return f"{day} 已日结，不能再开这一天的单：请把单据日期改为 {later}，或先挂单。"
