"""Append-only audit log, hash-chained: each row's hash covers the previous row's hash.

Every post, void, approval, print and login appends a row in the same transaction as
the change it records. ``verify_chain`` walks the chain and names the first broken row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from kaidan_tui.db.models import AuditLog, metadata


def _digest_of(
    prev: str,
    at: datetime,
    user_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    detail: str,
) -> str:
    payload = json.dumps(
        [prev, at.isoformat(timespec="microseconds"), user_id, action, entity, entity_id, detail],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _digest(prev: str, row: AuditLog) -> str:
    return _digest_of(prev, row.at, row.user_id, row.action, row.entity, row.entity_id, row.detail)


_AUDIT = metadata.tables["audit_log"]
_LAST_HASH = select(_AUDIT.c.hash).order_by(_AUDIT.c.id.desc()).limit(1)
_INSERT = insert(_AUDIT)


def append(
    session: Session,
    action: str,
    *,
    user_id: int | None,
    entity: str = "",
    entity_id: int | None = None,
    **detail: Any,
) -> str:
    """Append one row after the current last one; return its hash.

    Plain Core statements (posting is a hot path). Pending ORM changes are flushed first,
    so the row lands after whatever it records.
    """
    session.flush()
    conn = session.connection()
    prev = conn.execute(_LAST_HASH).scalar() or ""
    at = datetime.now(UTC)
    text = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    digest = _digest_of(prev, at, user_id, action, entity, entity_id, text)
    conn.execute(
        _INSERT,
        {
            "at": at,
            "user_id": user_id,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "detail": text,
            "prev_hash": prev,
            "hash": digest,
        },
    )
    return digest


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
