"""The end of the day (日结): drivers' cash counted, return copies ticked, the day closed.

A closed day stores its figures (services/daily.py's report, in its stable JSON shape)
with the audit chain's head and a checksum of the day's audit rows; the Z report prints
them. A backup follows the commit (services/backup.after_close).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import (
    AuditLog,
    CashCount,
    DayClose,
)
from kaidan_tui.db.queries.slips import day_is_closed, find_slip
from kaidan_tui.domain.enums import CREDIT_SETTLEMENTS, Settlement
from kaidan_tui.domain.errors import InputError, PermissionDenied, StateError
from kaidan_tui.domain.money import format_money, money
from kaidan_tui.domain.text import clean_text
from kaidan_tui.services import audit
from kaidan_tui.services.users import UserInfo

if TYPE_CHECKING:
    from kaidan_tui.services.backup import AutoBackup
    from kaidan_tui.services.slip_input import SlipIn

from kaidan_tui.services.daily import PICKUP, DriverCash, _ledger, _report
from kaidan_tui.services.daily_export import to_json

# -- cash, return copies, close ------------------------------------------------------------


def count_cash(
    db: Database,
    day: date,
    driver: str,
    amount: Decimal,
    *,
    user: UserInfo,
    note: str = "",
    ledger: str | None = None,
) -> None:
    """The cash a driver handed in (a recount is a new row; the latest counts)."""
    if amount < 0:
        raise InputError("收到的现金不能是负数。", field="amount")
    with db.write() as session:
        lg = _ledger(session, ledger)
        assert lg.id is not None
        if day_is_closed(session, lg.id, day):
            raise StateError(f"{day} 已日结，不能再登记现金。")
        who = clean_text(driver) or PICKUP
        count = CashCount(
            ledger_id=lg.id,
            business_date=day,
            driver=who,
            amount=money(amount),
            note=clean_text(note),
            user_id=user.id,
        )
        session.add(count)
        session.flush()
        audit.append(session, "cash.count", user_id=user.id, entity="ledger", entity_id=lg.id,
                     day=day.isoformat(), driver=who, amount=str(money(amount)),
                     note=clean_text(note))  # fmt: skip


def tick_return_copy(db: Database, number: str, *, user: UserInfo) -> None:
    """回单 back: the signed return copy of a credit slip is in."""
    from kaidan_tui.db.models import ReturnCopy

    with db.write() as session:
        slip = find_slip(session, number)
        if Settlement(slip.settlement) not in CREDIT_SETTLEMENTS:
            raise InputError(f"{slip.number} 是{slip.settlement}单，没有回单要收。")
        if session.get(ReturnCopy, slip.id) is not None:
            return
        session.add(ReturnCopy(slip_id=slip.id or 0, user_id=user.id))
        session.flush()
        audit.append(session, "slip.return_copy", user_id=user.id, entity="slip",
                     entity_id=slip.id, number=slip.number)  # fmt: skip


def _checksum(session: Session, day: date) -> tuple[str, str]:
    """(chain head, sha256 over the hashes of the day's audit rows)."""
    start = datetime.combine(day, time.min).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time.min).astimezone(UTC)
    hashes = session.exec(
        select(AuditLog.hash)
        .where(AuditLog.at >= start, AuditLog.at < end)
        .order_by(col(AuditLog.id))
    ).all()
    head = session.exec(select(AuditLog.hash).order_by(col(AuditLog.id).desc()).limit(1)).first()
    return head or "", hashlib.sha256("".join(hashes).encode()).hexdigest()


# -- automatic backup at close (issue 8) ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClosedDay:
    """What :func:`close` did: the closed day's row, and the backup taken after its commit."""

    row: DayClose
    backup: AutoBackup

    @property
    def business_date(self) -> date:
        return self.row.business_date

    @property
    def audit_head(self) -> str:
        return self.row.audit_head

    @property
    def audit_checksum(self) -> str:
        return self.row.audit_checksum

    @property
    def totals(self) -> str:
        return self.row.totals


def close(
    db: Database, day: date, *, user: UserInfo, approver: UserInfo | None, ledger: str | None = None
) -> ClosedDay:
    """日结 (supervisor): refused while any driver's cash is uncounted or unexplained.

    After the commit, a backup is taken (:func:`kaidan_tui.services.backup.after_close`);
    its failure is reported in ``ClosedDay.backup`` and never undoes the close.
    """
    row = _close(db, day, user=user, approver=approver, ledger=ledger)
    from kaidan_tui.services.backup import after_close

    return ClosedDay(row, after_close(db))


# -- end of the backup hook ---------------------------------------------------------------


def _close(
    db: Database, day: date, *, user: UserInfo, approver: UserInfo | None, ledger: str | None = None
) -> DayClose:
    if approver is None or not approver.is_supervisor:
        raise PermissionDenied("日结需要主管审批：请主管输入编码和 PIN。")
    with db.write() as session:
        lg = _ledger(session, ledger)
        assert lg.id is not None
        if day_is_closed(session, lg.id, day):
            raise StateError(f"{lg.code} {day} 已经日结过了。")
        rep = _report(session, day, lg)
        if (blocker := cash_blocker(rep.drivers)) is not None:
            raise StateError(blocker)
        head, checksum = _checksum(session, day)
        head_id = audit.head(session)[0]  # the chain head is recorded with its row id
        row = DayClose(
            ledger_id=lg.id,
            business_date=day,
            user_id=approver.id,
            totals=json.dumps(to_json(rep), ensure_ascii=False, sort_keys=True),
            audit_head=head,
            audit_checksum=checksum,
        )
        session.add(row)
        session.flush()
        audit.append(session, "day.close", user_id=approver.id, entity="ledger",
                     entity_id=lg.id, day=day.isoformat(), checksum=checksum,
                     by=user.code, head_id=head_id, head=head)  # fmt: skip
        return row


def cash_blocker(drivers: list[DriverCash]) -> str | None:
    """Why the day cannot close yet: a driver's cash uncounted, or a difference unexplained."""
    open_drivers = [d for d in drivers if not d.settled]
    if not open_drivers:
        return None
    detail = "；".join(
        f"{d.driver} 应收 {format_money(d.expected)} "
        + ("未点款" if d.difference is None else f"差 {format_money(d.difference)} 未说明原因")
        for d in open_drivers
    )
    return f"不能日结：{detail}。请先按 F6 点款（有差额写明原因）。"


def close_blocker(db: Database, day: date, ledger: str | None = None) -> str | None:
    """What stops the close of ``day`` before a supervisor is asked (None: nothing)."""
    with db.read() as session:
        lg = _ledger(session, ledger)
        assert lg.id is not None
        if day_is_closed(session, lg.id, day):
            return f"{lg.code} {day} 已经日结过了。"
        return cash_blocker(_report(session, day, lg).drivers)


def cash_note_missing(driver: DriverCash, received: Decimal, note: str) -> str | None:
    """点款: a difference must say why (the close refuses it otherwise); None when fine."""
    diff = received - driver.expected
    if diff == 0 or clean_text(note):
        return None
    what = "多" if diff > 0 else "少"
    return f"实收比应收{what} {format_money(abs(diff))}：请写明差额原因（如：明天补交）。"


# -- Z report header: the close and the audit chain head (issue 8) ------------------------


def z_lines(db: Database, closed: DayClose) -> list[str]:
    """The Z report's first lines: what was closed, and the audit chain head at the close
    (row id and full hash), so a printed Z report can be held against ``audit verify``."""
    with db.read() as session:
        head_id = session.exec(
            select(AuditLog.id).where(AuditLog.hash == closed.audit_head).limit(1)
        ).first()
    return [
        f"Z 报表（日结） {closed.business_date}",
        f"审计链头 #{head_id or 0}",
        f"  {closed.audit_head or '（空）'}",
        f"当日日志校验 {closed.audit_checksum}",
    ]


def open_day_for(db: Database, slip_in: SlipIn) -> tuple[date, date]:
    """(the day a typed slip is dated, the first business day from it not yet closed):
    the two differ when the order screen must offer the next open day (今日已日结)."""
    from kaidan_tui.db.queries.slips import next_open_day
    from kaidan_tui.domain import clock
    from kaidan_tui.services.prepare import ledger_for

    day = slip_in.business_date or clock.today()
    with db.read() as session:
        ledger = ledger_for(session, slip_in)
        return day, next_open_day(session, ledger.id, day)
