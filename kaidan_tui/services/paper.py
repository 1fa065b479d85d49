"""Paper and store, one to one: the serial of each pre-printed form against its slip,
and every spoiled form (废联) with the reason. Nothing here is ever changed or deleted."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import FormSerial
from kaidan_tui.db.queries.slips import find_slip
from kaidan_tui.domain.errors import InputError, StateError
from kaidan_tui.domain.text import clean_text
from kaidan_tui.services import audit
from kaidan_tui.services.users import UserInfo


def _serial(text: str) -> str:
    serial = clean_text(text).upper()
    if not serial or len(serial) > 32 or not serial.isalnum():
        raise InputError(f"联单编号「{text}」不对：应为字母和数字，如 0012345。", field="serial")
    return serial


def _taken(db_serial: FormSerial) -> str:
    if db_serial.status == "spoiled":
        return f"已登记为废联（{db_serial.reason}）"
    return "已用于另一张单"


def use(db: Database, number: str, serial: str, *, user: UserInfo) -> str:
    """This slip was printed on the form with this serial."""
    key = _serial(serial)
    with db.write() as session:
        slip = find_slip(session, number)
        if slip.number is None:
            raise StateError(f"单据 {number} 还没有过账，不能登记联单编号。")
        found = session.exec(select(FormSerial).where(FormSerial.serial == key)).first()
        if found is not None:
            raise StateError(f"联单 {key} {_taken(found)}，不能再用。")
        session.add(FormSerial(serial=key, slip_id=slip.id, status="used", user_id=user.id))
        session.flush()
        audit.append(session, "paper.use", user_id=user.id, entity="slip", entity_id=slip.id,
                     serial=key, number=slip.number)  # fmt: skip
    return key


def spoil(db: Database, serial: str, *, reason: str, user: UserInfo) -> str:
    """废联: a form jammed or misprinted; kept in the record, never reused."""
    key = _serial(serial)
    why = clean_text(reason)
    if len(why) < 2:
        raise InputError("废联要写明原因（卡纸、打歪、撕坏……）。", field="reason")
    with db.write() as session:
        found = session.exec(select(FormSerial).where(FormSerial.serial == key)).first()
        if found is not None:
            raise StateError(f"联单 {key} {_taken(found)}。")
        session.add(FormSerial(serial=key, status="spoiled", reason=why, user_id=user.id))
        session.flush()
        audit.append(session, "paper.spoil", user_id=user.id, entity="form_serial",
                     serial=key, reason=why)  # fmt: skip
    return key


@dataclass(frozen=True, slots=True)
class PaperCheck:
    used: int
    spoiled: int
    missing: list[str]
    """Serials in the range that are neither on a slip nor logged as spoiled."""

    @property
    def clean(self) -> bool:
        return not self.missing


def check(db: Database, first: str, last: str) -> PaperCheck:
    """Every serial from ``first`` to ``last`` (numbers of one width) accounted for?"""
    a, b = _serial(first), _serial(last)
    if not (a.isdigit() and b.isdigit()) or len(a) != len(b) or int(a) > int(b):
        raise InputError("核对范围应是同样位数的数字编号，且从小到大，如 0012000 0012099。")
    if int(b) - int(a) > 100_000:
        raise InputError("一次最多核对 100000 张联单。")
    width = len(a)
    wanted = [f"{n:0{width}d}" for n in range(int(a), int(b) + 1)]
    with db.read() as session:
        rows = session.exec(
            select(FormSerial.serial, FormSerial.status).where(col(FormSerial.serial).in_(wanted))
        ).all()
    seen = dict(rows)
    used = sum(1 for s in seen.values() if s == "used")
    return PaperCheck(used, len(seen) - used, [s for s in wanted if s not in seen])


def serials_of(db: Database, number: str) -> list[str]:
    with db.read() as session:
        slip = find_slip(session, number)
        return list(
            session.exec(
                select(FormSerial.serial)
                .where(FormSerial.slip_id == slip.id)
                .order_by(col(FormSerial.id))
            ).all()
        )
