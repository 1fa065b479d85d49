"""Held orders (挂单): the list, recalling one onto a screen, and who has it there.

Recalling a held order claims it for the screen that shows it. The claim's token is
that screen's autosave key (services/autosave.py), so an order restored after a crash
takes its claim over with it, and a second window or counter is told "正在 2 号柜台编辑"
instead of changing the same order twice. Holding or posting it ends the claim; a
supervisor can release one a dead counter left (audited). A post or hold under a claim
that is no longer the screen's is refused (:class:`Diverged`) and the order stays on
that screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import bindparam, update
from sqlmodel import Session, col, select
from sqlmodel.sql.sqltypes import UTCDateTime

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Ledger, Slip, SlipLine, SlipLineCode, User, Warehouse, metadata
from kaidan_tui.domain import clock
from kaidan_tui.domain.enums import SlipStatus, SlipType
from kaidan_tui.domain.errors import Diverged, NotFound, PermissionDenied, StateError
from kaidan_tui.services import audit, counter
from kaidan_tui.services.slip_input import LineIn, SlipIn
from kaidan_tui.services.users import UserInfo

_SLIP = metadata.tables["slip"]
_CLAIM = (
    update(_SLIP)
    .where(
        _SLIP.c.id == bindparam("slip_id"),
        _SLIP.c.status == SlipStatus.HELD.value,
        (_SLIP.c.claim_token.is_(None)) | (_SLIP.c.claim_token == bindparam("mine")),
    )
    .values(
        claim_token=bindparam("token"),
        claim_counter=bindparam("counter"),
        claim_user_id=bindparam("user_id"),
        claimed_at=bindparam("at", type_=UTCDateTime()),
    )
)
UNCLAIMED = {"claim_token": None, "claim_counter": None, "claim_user_id": None, "claimed_at": None}
"""The claim columns of a slip no screen has (merged into a hold's or a post's update)."""


@dataclass(frozen=True, slots=True)
class HeldSummary:
    id: int
    customer: str
    lines: int
    total: Decimal
    reason: str
    created_at: datetime
    claimed_by: str = ""
    """"2 号柜台 张三（10:12 起）" while a screen has it, else empty."""


def _who(session: Session, slip: Slip) -> str:
    clerk = session.get(User, slip.claim_user_id) if slip.claim_user_id else None
    since = f"，{slip.claimed_at.astimezone():%H:%M} 起" if slip.claimed_at else ""
    name = f" {clerk.name}" if clerk is not None else ""
    return f"{counter.label(slip.claim_counter or '?')}{name}{since}"


def claimed_message(session: Session, slip: Slip) -> str:
    return f"挂单 #{slip.id} 正在{_who(session, slip)}编辑。"


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
                _who(session, s) if s.claim_token else "",
            )
            for s in rows
        ]


def check_claim(session: Session, slip: Slip, claim: str | None) -> None:
    """Before a hold or a post of held ``slip``: refuse when another screen has it, and
    when this screen (``claim``) had it but lost it — released by a supervisor, maybe
    changed and held again elsewhere since: its version would overwrite that one."""
    if slip.status != SlipStatus.HELD.value or slip.claim_token == claim:
        return
    if slip.claim_token:
        raise Diverged(claimed_message(session, slip) + "这里的修改没有保存。")
    if claim is not None:
        raise Diverged(f"挂单 #{slip.id} 已被主管释放，可能已在别处改过：这里的修改没有保存到它。")


def claim_in(session: Session, slip_id: int, user: UserInfo, token: str, *, mine: str) -> None:
    """Claim held ``slip_id`` for the screen whose autosave key is ``token``; ``mine``
    is a token it may take the claim over from (its own, or the crashed screen's)."""
    done = session.connection().execute(
        _CLAIM,
        {
            "slip_id": slip_id,
            "mine": mine,
            "token": token,
            "counter": counter.name(),
            "user_id": user.id,
            "at": clock.now(),
        },
    )
    if done.rowcount == 1:
        return
    slip = session.get(Slip, slip_id)
    if slip is None:
        raise NotFound(f"没有找到挂单 #{slip_id}。", field="held")
    if slip.status != SlipStatus.HELD.value:
        posted = f"已过账为 {slip.number}" if slip.number else f"已{slip.status}"
        raise Diverged(f"挂单 #{slip_id} {posted}。", number=slip.number)
    raise Diverged(claimed_message(session, slip))


def recall(db: Database, slip_id: int, *, user: UserInfo | None = None, claim: str = "") -> SlipIn:
    """A held slip back as typed input, to finish in order entry. With ``user`` and
    ``claim`` (the screen's autosave key) it is claimed for that screen, in the same
    transaction: a second screen is refused with who has it."""
    if user is None:
        with db.read() as session:
            return _as_typed(session, slip_id)
    with db.write() as session:
        slip = session.get(Slip, slip_id)
        if slip is None or slip.status != SlipStatus.HELD.value:
            raise NotFound(f"没有找到挂单 #{slip_id}（可能已过账）。")
        claim_in(session, slip_id, user, claim, mine=claim)
        return _as_typed(session, slip_id)


def take_over(session: Session, slip_id: int, user: UserInfo, token: str, *, old: str) -> None:
    """An autosave restored (its key was ``old``, now ``token``): the held order it came
    from moves to the new key if the dead screen still had it, or nobody does."""
    claim_in(session, slip_id, user, token, mine=old)


def let_go(db: Database, slip_id: int, *, claim: str) -> None:
    """The screen gave the recalled order up without holding it again: no longer its."""
    with db.write() as session:
        session.connection().execute(
            update(_SLIP)
            .where(_SLIP.c.id == slip_id, _SLIP.c.claim_token == claim)
            .values(**UNCLAIMED)
        )


def release_in(session: Session, slip: Slip, *, approver: UserInfo, user: UserInfo) -> str:
    """A supervisor frees a held order a screen still claims (that counter died, the
    clerk went home): anyone may recall it again. Audited; returns who had it. (The
    screen's unfinished changes are saved into it first: services/slips.release.)"""
    if not approver.is_supervisor:
        raise PermissionDenied("只有主管可以释放别人正在编辑的挂单。")
    if slip.status != SlipStatus.HELD.value:
        raise NotFound(f"没有找到挂单 #{slip.id}（可能已过账）。")
    if not slip.claim_token:
        raise StateError(f"挂单 #{slip.id} 没有人在编辑，不用释放。")
    who = _who(session, slip)
    session.connection().execute(update(_SLIP).where(_SLIP.c.id == slip.id).values(**UNCLAIMED))
    audit.append(
        session,
        "slip.release",
        user_id=user.id,
        entity="slip",
        entity_id=slip.id,
        approver=approver.code,
        had=who,
    )
    return who


def _as_typed(session: Session, slip_id: int) -> SlipIn:
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
        contact=slip.cust_contact,
        phone=slip.cust_phone,
        freight_station=slip.freight_station,
        freight_phone=slip.freight_phone,
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
