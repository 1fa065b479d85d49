"""Reading and writing one setting row, inside the caller's transaction."""

from __future__ import annotations

from sqlmodel import Session

from kaidan_tui.db.models import Setting


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
