"""Finding a slip, and whether its day is closed."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from kaidan_tui.db.models import DayClose, Slip
from kaidan_tui.domain.errors import NotFound


def find_slip(session: Session, number: str) -> Slip:
    """The slip with this number (any case, spaces ignored), or a NotFound saying so."""
    slip = session.exec(select(Slip).where(Slip.number == number.strip().upper())).first()
    if slip is None:
        raise NotFound(f"找不到单号 {number.strip()}：请核对单号（如 XS20260001）")
    return slip


def day_is_closed(session: Session, ledger_id: int, day: date) -> bool:
    """Whether the ledger's business day has been closed (日结)."""
    found = session.exec(
        select(DayClose.id).where(DayClose.ledger_id == ledger_id, DayClose.business_date == day)
    ).first()
    return found is not None
