"""Append-only audit log, chained: each row's hash covers the previous row's hash.

Every post, void, approval, print and login appends a row in the same transaction as
the change it records. ``verify_chain`` walks the chain and names the first broken row.

Two schemes share one chain, without a schema change:

- rows written before the store had a pepper: ``sha256(payload)``;
- from the key marker on (a row with action ``audit.key``, itself keyed, naming the
  pepper's fingerprint): ``HMAC-SHA256(pepper, payload)``. Without the pepper file
  nobody can forge a keyed row, and the marker's own hash covers every older row.

The payload is the JSON list ``[prev_hash, at, user_id, action, entity, entity_id, detail]``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from kaidan_tui.db.models import AuditLog, Setting, metadata
from kaidan_tui.domain import clock
from kaidan_tui.services import pepper as peppers

if TYPE_CHECKING:
    from kaidan_tui.db.engine import Database

KEY_MARKER = "audit.key"
"""Action of the row from which every hash is keyed with the pepper."""


def _payload(
    prev: str,
    at: datetime,
    user_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    detail: str,
) -> bytes:
    return json.dumps(
        [prev, at.isoformat(timespec="microseconds"), user_id, action, entity, entity_id, detail],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")


def _hash(key: bytes | None, payload: bytes) -> str:
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def _row_payload(prev: str, row: AuditLog) -> bytes:
    return _payload(prev, row.at, row.user_id, row.action, row.entity, row.entity_id, row.detail)


_AUDIT = metadata.tables["audit_log"]
_LAST_HASH = select(_AUDIT.c.hash).order_by(_AUDIT.c.id.desc()).limit(1)
_INSERT = insert(_AUDIT)
_SETTING = metadata.tables["setting"]
_PEPPER_AND_HEAD = select(
    select(_SETTING.c.value).where(_SETTING.c.key == peppers.SETTING).scalar_subquery(),
    _LAST_HASH.scalar_subquery(),
)


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
    so the row lands after whatever it records. Keyed with the store's pepper when it
    has one (a missing or wrong pepper file refuses the whole change).
    """
    session.flush()
    known, key = peppers.cached(session)
    if known:
        return _append(session, key, action, user_id, entity, entity_id, detail)
    # the store's pepper fingerprint and the chain head in one statement (hot path)
    want, prev = session.connection().execute(_PEPPER_AND_HEAD).one()
    key = peppers.checked(session, want)
    return _append(session, key, action, user_id, entity, entity_id, detail, prev=prev or "")


def _append(
    session: Session,
    key: bytes | None,
    action: str,
    user_id: int | None,
    entity: str,
    entity_id: int | None,
    detail: dict[str, Any],
    *,
    prev: str | None = None,
) -> str:
    session.flush()
    conn = session.connection()
    if prev is None:
        prev = conn.execute(_LAST_HASH).scalar() or ""
    at = clock.now()
    text = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    digest = _hash(key, _payload(prev, at, user_id, action, entity, entity_id, text))
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


def enable_pepper(session: Session) -> bool:
    """Key this store's audit chain (and new PIN hashes) with this machine's pepper,
    creating the file if there is none. Once per store; True when it happened now."""
    if peppers.expected(session) is not None:
        peppers.for_store(session)  # the right file must be here
        return False
    key = peppers.ensure()
    fp = peppers.fingerprint(key)
    session.add(Setting(key=peppers.SETTING, value=fp))
    session.flush()
    peppers.forget(session)
    _append(session, key, KEY_MARKER, None, "", None, {"pepper_id": fp})
    return True


def head(session: Session) -> tuple[int, str]:
    """(id, hash) of the last row: the chain head; (0, "") for an empty log."""
    row = session.execute(
        select(_AUDIT.c.id, _AUDIT.c.hash).order_by(_AUDIT.c.id.desc()).limit(1)
    ).first()
    return (int(row[0]), str(row[1])) if row is not None else (0, "")


class Problem(StrEnum):
    EDITED = "edited"
    """A row (the one named) or the one before it was changed, added or removed."""
    WRONG_PEPPER = "wrong_pepper"
    """No keyed row verifies: the pepper file is not the one the chain was written with."""
    NO_PEPPER = "no_pepper"
    """The chain is keyed but no pepper was given: keyed rows cannot be checked."""
    UNKEYED = "unkeyed"
    """The store records a pepper but the chain has no key marker (downgraded)."""


@dataclass(frozen=True, slots=True)
class ChainReport:
    rows: int
    head: str
    broken_at: int | None
    problem: Problem | None = None
    head_id: int = 0
    keyed_from: int | None = None
    """Id of the key marker: rows from it on are HMAC-keyed, the older ones plain SHA-256."""

    @property
    def ok(self) -> bool:
        return self.problem is None


def _marker_pepper_id(row: AuditLog) -> str:
    try:
        value = json.loads(row.detail).get("pepper_id", "")
    except (ValueError, AttributeError):
        return ""
    return str(value)


def _any_verifies(key: bytes, rows: Iterable[AuditLog]) -> bool:
    return any(_hash(key, _row_payload(r.prev_hash, r)) == r.hash for r in rows)


def verify_chain(session: Session, key: bytes | None = None) -> ChainReport:
    """Walk the chain from the first row; stop at the first row that does not fit.

    ``key``: the pepper (needed from the key marker on); this machine's pepper file when
    not given. A wrong pepper makes *every*
    keyed row fail and is reported as :attr:`Problem.WRONG_PEPPER`, distinct from one
    edited row (:attr:`Problem.EDITED`, with its id in ``broken_at``).
    """
    if key is None:
        key = peppers.load()
    prev, prev_id, count = "", 0, 0
    keyed_from: int | None = None
    rows = session.exec(select(AuditLog).order_by(col(AuditLog.id)))
    for row in rows:
        assert row.id is not None
        count += 1
        if row.action == KEY_MARKER and keyed_from is None:
            keyed_from = row.id
            if key is None:
                return ChainReport(count - 1, prev, None, Problem.NO_PEPPER, prev_id, keyed_from)
        use = key if keyed_from is not None else None
        if row.prev_hash == prev and _hash(use, _row_payload(prev, row)) == row.hash:
            prev, prev_id = row.hash, row.id
            continue
        problem = Problem.EDITED
        if use is not None:
            seen = session.exec(
                select(AuditLog).where(col(AuditLog.id) >= keyed_from).order_by(col(AuditLog.id))
            )
            marker = session.get(AuditLog, keyed_from)
            right_key = marker is not None and _marker_pepper_id(marker) == peppers.fingerprint(use)
            if not right_key and not _any_verifies(use, seen):
                problem = Problem.WRONG_PEPPER
        return ChainReport(count, prev, row.id, problem, prev_id, keyed_from)
    if keyed_from is None and peppers.expected(session) is not None:
        return ChainReport(count, prev, None, Problem.UNKEYED, prev_id, None)
    return ChainReport(count, prev, None, None, prev_id, keyed_from)


def start_signing(db: Database) -> bool:
    """After ``db upgrade``: key the chain from here on with this machine's pepper, if the
    store has none yet; whether it started now."""
    with db.write() as session:
        return enable_pepper(session)
