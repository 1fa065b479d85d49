"""Slip number formats. The counter itself lives in the store (one row per series)."""

from __future__ import annotations

import string

from kaidan_tui.domain.errors import InputError

DEFAULT_FORMAT = "{prefix}{year}{seq:04d}"
_ALLOWED = {"prefix", "year", "seq", "ledger"}


def validate_format(template: str) -> str:
    """A format must contain ``{seq…}`` and only known fields."""
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    except ValueError as exc:
        raise InputError(f"单号格式「{template}」写法有误：{exc}") from exc
    unknown = fields - _ALLOWED
    if unknown:
        raise InputError(
            f"单号格式「{template}」含有不认识的字段 {sorted(unknown)}，"
            "只能用 {prefix} {year} {seq} {ledger}。"
        )
    if "seq" not in fields:
        raise InputError(f"单号格式「{template}」必须包含流水号 {{seq}}。")
    format_number(template, prefix="XS", ledger="KD", year=2026, seq=1)
    return template


def format_number(template: str, *, prefix: str, ledger: str, year: int, seq: int) -> str:
    return template.format(prefix=prefix, ledger=ledger, year=year, seq=seq)
