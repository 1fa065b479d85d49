"""D3 trace codes (瓶码 / 箱码): one item, one code, so a code goes out once.

A code typed twice on one slip is a typing slip: refused, naming the code and both lines.
A code whose latest posted slip took it out (a sale or gift not voided, reversed or
returned with that code since) is already with a customer: a policy issue a supervisor
can approve, because goods returned without their codes recorded are sold again.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import Session, col

from kaidan_tui.db.models import Slip, SlipLine, SlipLineCode
from kaidan_tui.domain.enums import SlipStatus, SlipType
from kaidan_tui.domain.errors import InputError, PolicyIssue
from kaidan_tui.domain.slip_kinds import SlipKind
from kaidan_tui.services.slip_input import PreparedLine

_CHUNK = 500
"""Codes per IN (…): far under SQLite's and PostgreSQL's parameter limits."""


def refuse_repeats(lines: Iterable[PreparedLine]) -> None:
    """The same code twice on one slip: InputError naming the code and where it was."""
    seen: dict[str, int] = {}
    for ln in lines:
        for code in ln.trace_codes:
            first = seen.setdefault(code, ln.line_no)
            if first != ln.line_no or ln.trace_codes.count(code) > 1:
                where = "本行" if first == ln.line_no else f"第{first}行"
                raise InputError(
                    f"第{ln.line_no}行：瓶码「{code}」重复录入（{where}已有）。"
                    "一件货只有一个码，请删去重复的（Ctrl+T 改瓶码）。",
                    field="trace_codes",
                )


def check_codes(
    session: Session, kind: SlipKind, lines: list[PreparedLine], *, replacing: str | None = None
) -> list[PolicyIssue]:
    """Codes on goods going out that are already out (one query per 500 codes). The slip
    a 改单 replaces is left out: its 红冲 brings the codes back in the same post."""
    refuse_repeats(lines)
    if kind.stock_sign >= 0:
        return []
    line_of = {code: ln for ln in lines for code in ln.trace_codes}
    latest: dict[str, tuple[str, str, str]] = {}  # code → (type, number, business date)
    codes = list(line_of)
    for start in range(0, len(codes), _CHUNK):
        rows = session.execute(
            select(
                col(SlipLineCode.code), col(Slip.type), col(Slip.number), col(Slip.business_date)
            )
            .join(SlipLine, col(SlipLine.id) == col(SlipLineCode.line_id))
            .join(Slip, col(Slip.id) == col(SlipLine.slip_id))
            .where(
                col(SlipLineCode.code).in_(codes[start : start + _CHUNK]),
                col(Slip.status) == SlipStatus.POSTED.value,
                col(Slip.type) != SlipType.REVERSAL.value,
                col(Slip.number) != (replacing or ""),
            )
            .order_by(col(Slip.posted_at).desc(), col(Slip.id).desc())
        ).all()
        for code, type_, number, day in rows:
            latest.setdefault(code, (type_, number, str(day)))
    issues: list[PolicyIssue] = []
    for code, (type_, number, day) in latest.items():
        if SlipType(type_).stock_sign >= 0:
            continue  # came back (a return or stock-in with this code): it can go out again
        ln = line_of[code]
        issue = PolicyIssue(
            "trace_code_out",
            f"第{ln.line_no}行瓶码「{code}」已在 {number}（{day}）出库：请核对瓶码；"
            "若是退回未登记瓶码的货，需主管审批",
            line_no=ln.line_no,
            field="trace_codes",
        )
        ln.issues.append(issue)
        issues.append(issue)
    return issues
