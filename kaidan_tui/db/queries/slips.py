"""Finding a slip, and whether its day is closed."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import bindparam
from sqlmodel import Session, select

from kaidan_tui.db.models import Slip, metadata
from kaidan_tui.domain.errors import NotFound, StateError


def find_slip(session: Session, number: str) -> Slip:
    """The slip with this number (any case, spaces ignored), or a NotFound saying so."""
    slip = session.exec(select(Slip).where(Slip.number == number.strip().upper())).first()
    if slip is None:
        raise NotFound(f"找不到单号 {number.strip()}：请核对单号（如 XS20260001）")
    return slip


_DAY_CLOSE = metadata.tables["day_close"]
_CLOSED = (
    select(_DAY_CLOSE.c.id)
    .where(
        _DAY_CLOSE.c.ledger_id == bindparam("ledger"),
        _DAY_CLOSE.c.business_date == bindparam("day"),
    )
    .limit(1)
)
"""Prebuilt Core (posting asks it on every slip)."""


def day_is_closed(session: Session, ledger_id: int, day: date) -> bool:
    """Whether the ledger's business day has been closed (日结)."""
    found = session.connection().execute(_CLOSED, {"ledger": ledger_id, "day": day}).first()
    return found is not None


def next_open_day(session: Session, ledger_id: int, day: date) -> date:
    """``day`` if it is open, else the first business day after it not yet closed: where
    an order typed after today's close (日结) is booked."""
    for _ in range(366):
        if not day_is_closed(session, ledger_id, day):
            return day
        day += timedelta(days=1)
    raise StateError(f"{day} 之前一年的营业日都已日结，请联系主管检查日结记录。")
