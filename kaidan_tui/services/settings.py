"""Store-wide settings (key/value rows), with typed accessors and defaults."""

from __future__ import annotations

from sqlmodel import Session

from kaidan_tui.db.models import Setting
from kaidan_tui.domain.enums import PriceSource
from kaidan_tui.services.store import PRICE_ORDER, STOCK_POLICY, config

__all__ = ["PRICE_ORDER", "STOCK_POLICY", "get", "price_order", "put", "stock_blocks"]


def get(session: Session, key: str, default: str = "") -> str:
    row = session.get(Setting, key)
    return row.value if row is not None else default


def put(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
    session.flush()


def stock_blocks(session: Session) -> bool:
    """``stock_policy`` is ``block``: a stock shortfall needs a supervisor."""
    return config(session).stock_blocks


def price_order(session: Session) -> tuple[PriceSource, ...]:
    """Where the policy price comes from, in order (``price_order``; list price last)."""
    return config(session).price_order
