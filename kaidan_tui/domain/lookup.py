"""The lookup line (查询): one line of words, each narrowing the search.

``XS20260012`` a slip number · ``0012`` its tail digits · ``2026-11-01..2026-11-22`` a
date range (``2026-11-22`` one day, ``今天``, ``昨天``, ``本周``, ``本月``, ``上月``) ·
``销售``/``退货``/``赠送``/``入库``/``红冲`` a type · ``作废``/``已红冲``/``已过账`` a status ·
a phone number (7+ digits) · anything else: the customer (code, pinyin initials, name)
or a product on the slip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from kaidan_tui.domain.enums import SlipStatus, SlipType
from kaidan_tui.domain.errors import InputError
from kaidan_tui.domain.money import normalise_number_text
from kaidan_tui.domain.slip_kinds import TYPE_WORDS

_NUMBER = re.compile(r"^[A-Z]{1,4}\d{6,}$")
_DATE = r"\d{4}-\d{1,2}-\d{1,2}"
_RANGE = re.compile(rf"^({_DATE})?\.\.({_DATE})?$")
_STATUS_WORDS = {
    "作废": SlipStatus.VOID,
    "已作废": SlipStatus.VOID,
    "已红冲": SlipStatus.REVERSED,
    "已过账": SlipStatus.POSTED,
    "正常": SlipStatus.POSTED,
}


@dataclass
class LookupQuery:
    number: str | None = None
    tail: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    types: set[SlipType] = field(default_factory=set)
    statuses: set[SlipStatus] = field(default_factory=set)
    phone: str | None = None
    words: list[str] = field(default_factory=list)
    """Customer or product words (each must match)."""

    @property
    def empty(self) -> bool:
        return not (
            self.number or self.tail or self.date_from or self.date_to or self.types
            or self.statuses or self.phone or self.words
        )  # fmt: skip


def _day(text: str) -> date:
    try:
        y, m, d = (int(p) for p in text.split("-"))
        return date(y, m, d)
    except ValueError:
        raise InputError(f"日期「{text}」不对，应写成 2026-11-22", field="query") from None


def _month(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, nxt - timedelta(days=1)


def parse_lookup(text: str, *, today: date) -> LookupQuery:
    q = LookupQuery()
    for raw in text.replace("\u3000", " ").split():
        token = normalise_number_text(raw)
        upper = token.upper()
        if token in ("今天", "今日"):
            q.date_from = q.date_to = today
        elif token == "昨天":
            q.date_from = q.date_to = today - timedelta(days=1)
        elif token == "本周":
            q.date_from, q.date_to = today - timedelta(days=today.weekday()), today
        elif token == "本月":
            q.date_from, q.date_to = _month(today)
        elif token == "上月":
            q.date_from, q.date_to = _month(today.replace(day=1) - timedelta(days=1))
        elif m := _RANGE.match(token):
            q.date_from = _day(m.group(1)) if m.group(1) else None
            q.date_to = _day(m.group(2)) if m.group(2) else None
        elif re.fullmatch(_DATE, token):
            q.date_from = q.date_to = _day(token)
        elif token in _STATUS_WORDS:
            q.statuses.add(_STATUS_WORDS[token])
        elif token in TYPE_WORDS:
            q.types.add(TYPE_WORDS[token])
        elif _NUMBER.match(upper):
            q.number = upper
        elif token.isdigit() and len(token) >= 7:
            q.phone = token
        elif token.isdigit():
            q.tail = token
        else:
            q.words.append(token)
    if q.date_from and q.date_to and q.date_from > q.date_to:
        raise InputError("日期范围前后颠倒了：开始日期晚于结束日期", field="query")
    return q
