"""Closed days recomputed (docs/money.md, rule 5): ``kaidan day recheck``.

A closed day keeps the totals it was closed with. :func:`recheck` recomputes each closed
day of a range by today's rules and lists every stored figure that differs.
:func:`record` appends a correction row (``day_recheck``) next to the close, with the
recomputed totals and the differences; it never rewrites the close. :func:`z_block` is
the Z report's head: the close, then each correction.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import DayClose, DayRecheck, Ledger, User
from kaidan_tui.domain.errors import InputError, PermissionDenied
from kaidan_tui.domain.money import format_qty
from kaidan_tui.services import audit, daily, daily_export, day_end
from kaidan_tui.services.users import UserInfo

COMPARED = ("by_type", "by_settlement", "by_channel", "voids", "drivers", "products", "payments")
"""The parts of the stored totals that a recheck compares (the money of the day). Return
copies and alerts are left out: copies come back after the close, alerts follow today."""

MISSING = "—"


@dataclass(frozen=True, slots=True)
class Difference:
    path: str
    stored: str
    recomputed: str

    def __str__(self) -> str:
        return f"{self.path}：{self.stored} → {self.recomputed}"


@dataclass(frozen=True, slots=True)
class DayCheck:
    ledger: str
    day: date
    close_id: int
    differences: tuple[Difference, ...]
    recomputed: dict[str, Any]
    already_recorded: bool
    """The latest correction row of this close already holds these figures."""


def _by_type(part: dict[str, dict[str, dict[str, str]]]) -> Iterator[tuple[str, str]]:
    """by_type with posted and reversed taken together: a later 红冲 changes a slip's
    status, not the figures of its day."""
    for kind, statuses in part.items():
        merged: dict[str, dict[str, Decimal]] = {}
        for status, fig in statuses.items():
            bucket = "counted" if status in ("posted", "reversed") else status
            into = merged.setdefault(bucket, {"count": Decimal(0), "qty": Decimal(0),
                                              "amount": Decimal(0)})  # fmt: skip
            for key in into:
                into[key] += Decimal(str(fig[key]))
        for bucket, sums in merged.items():
            yield f"by_type.{kind}.{bucket}.count", str(int(sums["count"]))
            yield f"by_type.{kind}.{bucket}.qty", format_qty(sums["qty"])
            yield f"by_type.{kind}.{bucket}.amount", f"{sums['amount']:.2f}"


def figures(totals: dict[str, Any]) -> dict[str, str]:
    """The compared figures of a day's totals (the JSON shape of ``daily_export.to_json``), flat."""
    out: dict[str, str] = dict(_by_type(totals.get("by_type", {})))
    for part in ("by_settlement", "by_channel"):
        for key, fig in totals.get(part, {}).items():
            for name in ("count", "qty", "amount"):
                out[f"{part}.{key}.{name}"] = str(fig[name])
    for v in totals.get("voids", []):
        out[f"voids.{v['number']}.amount"] = str(v["amount"])
    for d in totals.get("drivers", []):
        out[f"drivers.{d['driver']}.expected"] = str(d["expected"])
    for p in totals.get("products", []):
        out[f"products.{p['code']}.qty"] = str(p["qty"])
        out[f"products.{p['code']}.amount"] = str(p["amount"])
    for method, amount in totals.get("payments", {}).items():
        out[f"payments.{method}"] = str(amount)
    return out


def compare(stored: dict[str, Any], recomputed: dict[str, Any]) -> tuple[Difference, ...]:
    a, b = figures(stored), figures(recomputed)
    return tuple(
        Difference(path, a.get(path, MISSING), b.get(path, MISSING))
        for path in sorted(set(a) | set(b))
        if a.get(path) != b.get(path)
    )


def _ledgers(session: Session, code: str | None) -> list[Ledger]:
    if code:
        found = session.exec(select(Ledger).where(Ledger.code == code.strip().upper())).first()
        if found is None:
            raise InputError(f"没有账套「{code}」。", field="ledger")
        return [found]
    return list(session.exec(select(Ledger).order_by(col(Ledger.id))).all())


def _latest(session: Session, close_id: int) -> DayRecheck | None:
    return session.exec(
        select(DayRecheck)
        .where(DayRecheck.close_id == close_id)
        .order_by(col(DayRecheck.id).desc())
        .limit(1)
    ).first()


def _check(session: Session, closed: DayClose, ledger: Ledger) -> DayCheck:
    assert closed.id is not None
    recomputed = daily_export.to_json(daily._report(session, closed.business_date, ledger))
    latest = _latest(session, closed.id)
    stored = json.loads(closed.totals)
    diffs = compare(stored, recomputed)
    recorded = latest is not None and not compare(json.loads(latest.totals), recomputed)
    return DayCheck(ledger.code, closed.business_date, closed.id, diffs, recomputed, recorded)


def _checks(session: Session, first: date, last: date, ledger: str | None) -> list[DayCheck]:
    if first > last:
        raise InputError(f"开始日期 {first} 晚于结束日期 {last}。", field="from")
    out = []
    for lg in _ledgers(session, ledger):
        for closed in session.exec(
            select(DayClose)
            .where(DayClose.ledger_id == lg.id, col(DayClose.business_date).between(first, last))
            .order_by(col(DayClose.business_date))
        ).all():
            out.append(_check(session, closed, lg))
    return out


def recheck(db: Database, first: date, last: date, *, ledger: str | None = None) -> list[DayCheck]:
    """Every closed day from ``first`` to ``last`` (each ledger, or ``ledger``), recomputed."""
    with db.read() as session:
        return _checks(session, first, last, ledger)


def record(
    db: Database,
    first: date,
    last: date,
    *,
    user: UserInfo,
    approver: UserInfo | None,
    ledger: str | None = None,
) -> list[DayCheck]:
    """Append a correction row for each closed day whose figures differ (supervisor).

    A day whose latest correction already holds today's figures gets no second row.
    Returns the days that got one."""
    if approver is None or not approver.is_supervisor:
        raise PermissionDenied("记录日结更正需要主管审批：请主管输入编码和 PIN。")
    with db.write() as session:
        done = []
        for check in _checks(session, first, last, ledger):
            if not check.differences or check.already_recorded:
                continue
            closed = session.get(DayClose, check.close_id)
            assert closed is not None
            row = DayRecheck(
                close_id=check.close_id,
                ledger_id=closed.ledger_id,
                business_date=check.day,
                user_id=approver.id,
                totals=json.dumps(check.recomputed, ensure_ascii=False, sort_keys=True),
                differences=json.dumps(
                    [[d.path, d.stored, d.recomputed] for d in check.differences],
                    ensure_ascii=False,
                ),
            )
            session.add(row)
            session.flush()
            audit.append(session, "day.recheck", user_id=approver.id, entity="day_close",
                         entity_id=check.close_id, day=check.day.isoformat(),
                         ledger=check.ledger, by=user.code,
                         differences=[str(d) for d in check.differences])  # fmt: skip
            done.append(check)
        return done


def z_block(db: Database, day: date, *, ledger: str | None = None) -> list[str]:
    """The Z report's head for a closed day: the close (chain head, checksum), then each
    correction recorded since, with its differences. Empty for a day not closed."""
    with db.read() as session:
        lg = daily._ledger(session, ledger)
        closed = session.exec(
            select(DayClose).where(DayClose.ledger_id == lg.id, DayClose.business_date == day)
        ).first()
        if closed is None:
            return []
        rows = session.exec(
            select(DayRecheck).where(DayRecheck.close_id == closed.id).order_by(col(DayRecheck.id))
        ).all()
        names = dict(session.exec(select(User.id, User.name)).all())
    out = day_end.z_lines(db, closed)
    for row in rows:
        diffs = json.loads(row.differences)
        when = row.at.astimezone().strftime("%Y-%m-%d %H:%M")
        out.append(
            f"更正 #{row.id} {when} 主管 {names.get(row.user_id, '')}：{len(diffs)} 项与日结时不同"
        )
        out += [f"  {path}：{stored} → {recomputed}" for path, stored, recomputed in diffs]
    return out
