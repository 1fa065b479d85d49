"""The order on screen, saved as it is typed, and offered back after a crash.

Each order on a counter's screen has an autosave key. After every committed line and
header field the screen saves a :class:`Snapshot` under it (one upsert); posting, holding
or giving up the order closes the row. A row left open means the app never got that
far — killed, the SSH session dropped, the power cut — and at the next login the clerk
is offered it ("恢复未完成的单"). It is the clerk's own, on that counter; a supervisor
sees every open one. Nothing here is a slip or takes a number, and no row is deleted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import bindparam, text
from sqlmodel import Session, col, select
from sqlmodel.sql.sqltypes import UTCDateTime

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import OrderAutosave, Slip, User
from kaidan_tui.domain import clock
from kaidan_tui.domain.enums import SlipStatus
from kaidan_tui.domain.errors import KaidanError, NotFound, StateError
from kaidan_tui.services import counter, held
from kaidan_tui.services.slip_input import SlipIn
from kaidan_tui.services.users import UserInfo

CLOSED = 2**31 - 1
"""The revision a closed row carries: no save that was still on its way reopens it."""


class Snapshot(BaseModel):
    """Everything needed to put the order back on screen as it was."""

    slip: SlipIn
    held_id: int | None = None
    replacing: str | None = None
    type_pinned: bool = False


@dataclass(frozen=True, slots=True)
class Pending:
    """An order a counter never finished."""

    id: int
    key: str
    counter: str
    clerk: str
    summary: str
    updated_at: datetime


_SAVE = text(
    "INSERT INTO order_autosave "
    "(key, counter, user_id, revision, data, summary, updated_at, outcome, owner) "
    "VALUES (:key, :counter, :user_id, :revision, :data, :summary, :at, '', :owner) "
    "ON CONFLICT (key) DO UPDATE SET counter = excluded.counter, user_id = excluded.user_id, "
    "owner = excluded.owner, "
    "revision = excluded.revision, data = excluded.data, summary = excluded.summary, "
    "updated_at = excluded.updated_at "
    "WHERE order_autosave.revision < excluded.revision AND order_autosave.closed_at IS NULL"
).bindparams(bindparam("at", type_=UTCDateTime()))

_CLOSE = text(
    "INSERT INTO order_autosave "
    "(key, counter, user_id, revision, data, summary, updated_at, closed_at, outcome, owner) "
    "VALUES (:key, :counter, :user_id, :revision, '', '', :at, :at, :outcome, :owner) "
    "ON CONFLICT (key) DO UPDATE SET closed_at = excluded.closed_at, "
    "outcome = excluded.outcome, revision = excluded.revision "
    "WHERE order_autosave.closed_at IS NULL"
).bindparams(bindparam("at", type_=UTCDateTime()))


def save(
    db: Database, key: str, snapshot: Snapshot, *, user: UserInfo, revision: int, summary: str
) -> None:
    """Save the order under ``key``; an older ``revision`` than the stored one is ignored
    (saves may arrive out of order), and so is any save after the row was closed."""
    with db.write() as session:
        session.connection().execute(
            _SAVE,
            {
                "key": key,
                "counter": counter.name(),
                "user_id": user.id,
                "revision": revision,
                "data": snapshot.model_dump_json(),
                "summary": summary[:200],
                "at": clock.now(),
                "owner": counter.process(),
            },
        )


def close(db: Database, key: str, *, user: UserInfo, outcome: str) -> None:
    """The order was posted, held or given up: it is not offered again. Closing a key
    that was never saved leaves a closed row, so a save still on its way cannot open it."""
    with db.write() as session:
        close_in(session, key, user=user, outcome=outcome)


def close_in(session: Session, key: str, *, user: UserInfo, outcome: str) -> None:
    """:func:`close` in the caller's write transaction."""
    session.connection().execute(
        _CLOSE,
        {
            "key": key,
            "counter": counter.name(),
            "user_id": user.id,
            "revision": CLOSED,
            "outcome": outcome[:100],
            "at": clock.now(),
            "owner": counter.process(),
        },
    )


def open_row(session: Session, key: str) -> OrderAutosave | None:
    """The open autosave saved under ``key`` (a claim's token is one), if any."""
    return session.exec(
        select(OrderAutosave).where(
            OrderAutosave.key == key, col(OrderAutosave.closed_at).is_(None)
        )
    ).first()


def _open_rows(session: Session, user: UserInfo) -> list[tuple[OrderAutosave, str]]:
    query = (
        select(OrderAutosave, User.name)
        .join(User, col(User.id) == OrderAutosave.user_id)
        .where(col(OrderAutosave.closed_at).is_(None))
        .order_by(col(OrderAutosave.updated_at).desc())
    )
    if not user.is_supervisor:
        query = query.where(
            OrderAutosave.user_id == user.id, OrderAutosave.counter == counter.name()
        )
    return [
        (row, name)
        for row, name in session.exec(query).all()
        if not counter.is_live_elsewhere(row.owner)  # a window still open: not unfinished
    ]


def close_finished(db: Database, user: UserInfo) -> int:
    """Close the open autosaves (of those ``user`` may take up) whose order was posted
    all the same — the held order they came from was recalled and posted, here or at
    another counter. Offered as 未完成 they would have the clerk key it again by hand.
    Returns how many were closed."""
    with db.read() as session:
        done = _finished(session, [row for row, _name in _open_rows(session, user)])
    for key, outcome in done.items():
        close(db, key, user=user, outcome=outcome)
    return len(done)


def pending(db: Database, user: UserInfo) -> list[Pending]:
    """Open autosaves this clerk may take up: their own on this counter; a supervisor's
    list has every counter's. (Run :func:`close_finished` first.)"""
    with db.read() as session:
        rows = _open_rows(session, user)
    return [
        Pending(row.id or 0, row.key, row.counter, name, row.summary, row.updated_at)
        for row, name in rows
    ]


def _finished(session: Session, rows: list[OrderAutosave]) -> dict[str, str]:
    """Autosaves of orders that were posted all the same (the held order they came from
    was recalled and posted, here or at another counter): key → "已过账 XS…". Offered
    as 未完成 they would have the clerk key the order again by hand."""
    keys = {Snapshot.model_validate_json(r.data).slip.idempotency_key: r.key for r in rows}
    keys.pop(None, None)
    if not keys:
        return {}
    posted = session.exec(
        select(Slip.idempotency_key, Slip.number).where(
            col(Slip.idempotency_key).in_(list(keys)),
            col(Slip.status).not_in([SlipStatus.DRAFT.value, SlipStatus.HELD.value]),
        )
    ).all()
    return {keys[k]: f"已过账 {number}" for k, number in posted if k is not None}


@dataclass(frozen=True, slots=True)
class Taken:
    """An autosave taken up by a screen: saved on under ``key`` from ``revision``.
    ``problem`` says why the held order it came from stayed behind (another screen has
    it, or it was posted): the order is then a new one, with no held order behind it."""

    key: str
    revision: int
    snapshot: Snapshot
    problem: str | None = None


_TAKE = text(
    "UPDATE order_autosave SET closed_at = :at, outcome = :outcome, revision = :closed "
    "WHERE id = :id AND closed_at IS NULL"
).bindparams(bindparam("at", type_=UTCDateTime()))


def take(db: Database, autosave_id: int, *, user: UserInfo) -> Taken:
    """Take up an open autosave, in one transaction: the row is closed ("已恢复") and
    its order saved on under a new key, so that a second window offered the same row
    is told it is gone instead of finishing the order twice. The held order it came
    from (if any) is claimed for the new key."""
    new_key = uuid.uuid4().hex
    with db.write() as session:
        row = session.get(OrderAutosave, autosave_id)
        if row is not None and counter.is_live_elsewhere(row.owner):
            raise StateError("这张单正在本机另一个开单窗口里编辑，请到那个窗口去完成它。")
        done = session.connection().execute(
            _TAKE,
            {
                "id": autosave_id,
                "at": clock.now(),
                "outcome": f"已恢复 {new_key}"[:100],
                "closed": CLOSED,
            },
        )
        if row is None or done.rowcount != 1:
            raise NotFound(f"没有未完成的单 #{autosave_id}（可能已在别的窗口恢复，或已过账）。")
        snap = Snapshot.model_validate_json(row.data)
        problem = None
        if snap.held_id is not None:
            try:
                held.take_over(session, snap.held_id, user, new_key, old=row.key)
            except KaidanError as exc:  # elsewhere now: the order on screen is its own
                problem = exc.message
                slip = snap.slip.model_copy(update={"idempotency_key": None})
                snap = snap.model_copy(update={"held_id": None, "slip": slip})
        session.connection().execute(
            _SAVE,
            {
                "key": new_key,
                "counter": counter.name(),
                "user_id": user.id,
                "revision": 1,
                "data": snap.model_dump_json(),
                "summary": row.summary,
                "at": clock.now(),
                "owner": counter.process(),
            },
        )
        return Taken(new_key, 1, snap, problem)


def for_held(db: Database, slip_id: int, user: UserInfo) -> int | None:
    """The open autosave that holds held order ``slip_id``'s claim, when it is this
    clerk's own, on this counter, and no window is still saving it: their screen died
    with the order, and recalling it again means taking that autosave up."""
    with db.read() as session:
        slip = session.get(Slip, slip_id)
        if slip is None or not slip.claim_token:
            return None
        row = open_row(session, slip.claim_token)
        if row is None or counter.is_live_elsewhere(row.owner):
            return None
        if row.user_id != user.id or row.counter != counter.name():
            return None
        return row.id
