"""Business dates as a clerk types them: 2026-12-05, 2026/12/5, 20261205, 12-05, 5, 今天."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from kaidan_tui.domain.errors import InputError

_WORDS = {"今天": 0, "今日": 0, "昨天": -1, "前天": -2, "明天": 1}
_FULL = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH_DAY = re.compile(r"^(\d{1,2})[-/.月](\d{1,2})日?$")
_DAY = re.compile(r"^(\d{1,2})日?$")

HOW = "请写成 2026-12-05、12-05 或 5（本月 5 日）"


def parse_day(text: str, *, today: date, field: str = "business_date") -> date:
    """The date ``text`` names; a month and day are this year's, a bare day this month's."""
    raw = text.strip().replace("\u3000", "")
    if raw in _WORDS:
        return today + timedelta(days=_WORDS[raw])
    parts: tuple[int, int, int] | None = None
    if m := _FULL.match(raw) or _COMPACT.match(raw):
        parts = (int(m[1]), int(m[2]), int(m[3]))
    elif m := _MONTH_DAY.match(raw):
        parts = (today.year, int(m[1]), int(m[2]))
    elif m := _DAY.match(raw):
        parts = (today.year, today.month, int(m[1]))
    if parts is None:
        raise InputError(f"日期「{text}」看不懂：{HOW}。", field=field)
    year, month, day = parts
    if not 1 <= month <= 12:
        raise InputError(f"日期「{text}」不对：没有 {month} 月。{HOW}。", field=field)
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise InputError(
            f"日期「{text}」不对：{year} 年 {month} 月只有 {last} 天。{HOW}。", field=field
        )
    return date(year, month, day)
