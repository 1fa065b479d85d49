"""Append-only audit log, hash-chained: each row's hash covers the previous row's hash.

Every post, void, approval, print and login appends a row in the same transaction as
the change it records. ``verify_chain`` walks the chain and names the first broken row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from kaidan_tui.db.models import AuditLog


def _digest(prev: str, row: AuditLog) -> str:
    payload = json.dumps(
        [
            prev,
            row.at.isoformat(timespec="microseconds"),
            row.user_id,
            row.action,
            row.entity,
            row.entity_id,
            row.detail,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(
    session: Session,
    action: str,
    *,
    user_id: int | None,
    entity: str = "",
    entity_id: int | None = None,
    **detail: Any,
) -> AuditLog:
    last = session.exec(select(AuditLog.hash).order_by(col(AuditLog.id).desc()).limit(1)).first()
    prev = last or ""
    row = AuditLog(
        user_id=user_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str),
        prev_hash=prev,
        hash="",
    )
    row.hash = _digest(prev, row)
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True, slots=True)
class ChainReport:
    rows: int
    head: str
    broken_at: int | None


def verify_chain(session: Session) -> ChainReport:
    prev = ""
    count = 0
    for row in session.exec(select(AuditLog).order_by(col(AuditLog.id))):
        count += 1
        if row.prev_hash != prev or _digest(prev, row) != row.hash:
            return ChainReport(count, prev, row.id)
        prev = row.hash
    return ChainReport(count, prev, None)
