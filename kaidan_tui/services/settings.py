"""Store-wide settings (key/value rows), with typed accessors and defaults."""

from __future__ import annotations

from sqlmodel import Session

from kaidan_tui.db.models import Setting
from kaidan_tui.domain.enums import PriceSource
from kaidan_tui.domain.pricing import DEFAULT_PRICE_ORDER, parse_price_order

STOCK_POLICY = "stock_policy"  # "warn" (default) or "block"
PRICE_ORDER = "price_order"  # e.g. "agreed,tier,list"


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
    return get(session, STOCK_POLICY, "warn") == "block"


def price_order(session: Session) -> tuple[PriceSource, ...]:
    text = get(session, PRICE_ORDER, "")
    return parse_price_order(text) if text else DEFAULT_PRICE_ORDER
