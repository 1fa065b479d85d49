"""ORM-side guard: no session may delete a protected row (the triggers guard raw SQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction

from kaidan_tui.db.models import PROTECTED_TABLES
from kaidan_tui.domain.errors import StateError


@event.listens_for(Session, "before_flush")
def _refuse_deletes(session: Session, _ctx: UOWTransaction, _instances: Any) -> None:
    for obj in session.deleted:
        table = getattr(obj, "__tablename__", "")
        if table in PROTECTED_TABLES:
            raise StateError(f"记录不能删除（{table}）：单据只能作废或红冲，资料只能停用。")
