"""Store-wide settings (key/value rows), with typed accessors and defaults."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import Session

from kaidan_tui.db.queries.settings import get as get
from kaidan_tui.db.queries.settings import put as put
from kaidan_tui.domain.enums import PriceSource
from kaidan_tui.domain.errors import InputError
from kaidan_tui.domain.money import parse_amount
from kaidan_tui.domain.pricing import parse_price_order
from kaidan_tui.services import audit
from kaidan_tui.services.store import FREE_DISCOUNT, PRICE_ORDER, STOCK_POLICY, config

if TYPE_CHECKING:
    from kaidan_tui.db.engine import Database
    from kaidan_tui.services.users import UserInfo

__all__ = [
    "BACKUP_DIR",
    "BACKUP_KEEP",
    "PRICE_ORDER",
    "SCAN_FOCUS",
    "STOCK_POLICY",
    "get",
    "price_order",
    "put",
    "stock_blocks",
]

SCAN_FOCUS = "scan_focus"
"""After a barcode scan: ``next`` (the line is done, next product) or ``qty``."""

BACKUP_DIR = "backup_dir"
"""Where the day close puts its backup; empty: ``backups/`` beside the store."""
BACKUP_KEEP = "backup_keep"
"""How many automatic backups to keep; 0: the day close takes none."""


def stock_blocks(session: Session) -> bool:
    """``stock_policy`` is ``block``: a stock shortfall needs a supervisor."""
    return config(session).stock_blocks


def price_order(session: Session) -> tuple[PriceSource, ...]:
    """Where the policy price comes from, in order (``price_order``; list price last)."""
    return config(session).price_order


def _choice(*allowed: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in allowed:
            raise InputError(f"只能是 {' 或 '.join(allowed)}，不能是「{value}」")
        return value

    return check


def _term(value: str) -> str:
    if not value.isdigit() or not 1 <= int(value) <= 365:
        raise InputError(f"账期天数应为 1 到 365 的整数，不能是「{value}」")
    return str(int(value))


def _amount(value: str) -> str:
    return f"{parse_amount(value, what='金额'):.2f}"


def _order(value: str) -> str:
    return ",".join(p.value for p in parse_price_order(value))


def _folder(value: str) -> str:
    if value and not Path(value).expanduser().is_absolute():
        raise InputError(f"备份文件夹要写完整路径（如 /srv/kaidan/backups），不能是「{value}」")
    return value


def _keep(value: str) -> str:
    if not value.isdigit() or not 0 <= int(value) <= 3650:
        raise InputError(f"保留份数应为 0 到 3650 的整数（0 = 不自动备份），不能是「{value}」")
    return str(int(value))


KNOWN: dict[str, tuple[str, str, Callable[[str], str]]] = {
    PRICE_ORDER: ("agreed,tier,list", "取价顺序（agreed, last, tier, list，逗号分隔）", _order),
    STOCK_POLICY: ("warn", "库存不足：warn 提醒 / block 需主管审批", _choice("warn", "block")),
    SCAN_FOCUS: ("next", "扫码后：next 直接成行 / qty 停在数量", _choice("next", "qty")),
    "credit_term_days": ("30", "赊账账期天数（超过算逾期）", _term),
    FREE_DISCOUNT: ("1.00", "整单优惠不超过这个金额（元）时无需主管审批", _amount),
    BACKUP_DIR: ("", "日结自动备份的文件夹（空 = 数据库旁的 backups/）", _folder),
    BACKUP_KEEP: ("14", "自动备份保留最近几份（0 = 日结时不备份）", _keep),
}
"""Every setting a user may change: default, meaning, and its check."""


def change(session: Session, key: str, value: str, *, approver: UserInfo | None) -> str:
    """Set a known setting after checking it (logged in the audit chain, old and new
    value); returns the value as stored. A supervisor only: these settings decide what
    needs approval (stock policy, free discount, price order, credit term)."""
    from kaidan_tui.services.users import require_admin

    who = require_admin(session, approver, "修改设置")

    if key not in KNOWN:
        raise InputError(f"没有设置项「{key}」。可设：{'、'.join(KNOWN)}")
    try:
        stored = KNOWN[key][2](value.strip())
    except InputError as exc:
        raise InputError(f"设置 {key}：{exc.message}") from None
    old = get(session, key, KNOWN[key][0])
    put(session, key, stored)
    if old != stored:
        audit.append(session, "setting.change", user_id=who.id if who else None, entity="setting",
                     key=key, old=old, new=stored)  # fmt: skip
    return stored


def current(db: Database) -> list[tuple[str, str, str]]:
    """Every known setting: key, value (or its default), what it means."""
    with db.read() as session:
        return [
            (key, get(session, key, default) or default, meaning)
            for key, (default, meaning, _check) in KNOWN.items()
        ]


def value(db: Database, key: str, default: str = "") -> str:
    with db.read() as session:
        return get(session, key, default)


def set_value(db: Database, key: str, new: str, *, approver: UserInfo | None) -> str:
    """Check and store one setting (a supervisor approves); the stored value."""
    with db.write() as session:
        return change(session, key, new, approver=approver)
