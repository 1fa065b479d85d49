"""The vocabulary: slip types and states, channels, settlement methods, roles."""

from __future__ import annotations

from enum import StrEnum

# The slip types and all that differs between them live in their table.
from kaidan_tui.domain.slip_kinds import SlipType as SlipType


class SlipStatus(StrEnum):
    DRAFT = "draft"
    HELD = "held"
    POSTED = "posted"
    VOID = "void"
    REVERSED = "reversed"

    @property
    def label(self) -> str:
        return {
            "draft": "草稿",
            "held": "挂单",
            "posted": "已过账",
            "void": "作废",
            "reversed": "已红冲",
        }[self.value]


class Channel(StrEnum):
    DIRECT = "直销"
    SECONDARY = "二批"
    REGIONAL = "地州"
    SUPERMARKET = "商超"


class Settlement(StrEnum):
    CASH = "现款"
    MONTHLY = "月结"
    HOLD_SLIP = "压单"
    ROLLING = "滚单"
    CONSIGNMENT = "代销"
    REMITTANCE = "汇款"

    @property
    def is_credit(self) -> bool:
        """D9: these leave money owed, so the credit limit applies."""
        return self in CREDIT_SETTLEMENTS


CREDIT_SETTLEMENTS = frozenset(
    {Settlement.MONTHLY, Settlement.HOLD_SLIP, Settlement.ROLLING, Settlement.CONSIGNMENT}
)


class CreditPolicy(StrEnum):
    WARN = "warn"
    BLOCK = "block"
    APPROVE = "approve"

    @property
    def label(self) -> str:
        return {"warn": "提醒", "block": "禁止", "approve": "需主管审批"}[self.value]


class Role(StrEnum):
    CLERK = "clerk"
    SUPERVISOR = "supervisor"

    @property
    def label(self) -> str:
        return {"clerk": "开单员", "supervisor": "主管"}[self.value]


class PriceSource(StrEnum):
    AGREED = "agreed"
    TIER = "tier"
    LIST = "list"
    LAST = "last"
    MANUAL = "manual"
    PO = "po"
    GIFT = "gift"

    @property
    def follows_customer(self) -> bool:
        """A price the policy chose for the customer (agreed, tier, list, last): another
        customer gets theirs. A typed price, an order's price and a gift stay as they are."""
        return self in (PriceSource.AGREED, PriceSource.TIER, PriceSource.LIST, PriceSource.LAST)

    @property
    def label(self) -> str:
        return {
            "agreed": "协议价",
            "tier": "等级价",
            "list": "价格表",
            "last": "上次价",
            "manual": "手工价",
            "po": "订单价",
            "gift": "赠品",
        }[self.value]


class JobStatus(StrEnum):
    """A print job in the spool. Only ``pending`` jobs are sent; nothing is ever dropped."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    UNCERTAIN = "uncertain"
    REPLACED = "replaced"
    """Was uncertain; the clerk said it did not print, a 补打 job replaces it."""
    FAILED = "failed"
    """Could not be laid out or encoded for its printer; waits for a fix, blocks nothing."""
    CANCELLED = "cancelled"
    """Withdrawn by a user (a printer removed from the configuration); kept, never deleted."""

    @property
    def label(self) -> str:
        return {
            "pending": "待打印",
            "sending": "正在打印",
            "sent": "已打印",
            "uncertain": "不确定是否打出",
            "replaced": "未打出，已补打",
            "failed": "无法打印",
            "cancelled": "已撤销",
        }[self.value]
