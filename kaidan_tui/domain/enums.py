"""The vocabulary: slip types and states, channels, settlement methods, roles."""

from __future__ import annotations

from enum import StrEnum


class SlipType(StrEnum):
    SALE = "sale"
    RETURN = "return"
    GIFT = "gift"
    STOCK_IN = "stock_in"
    REVERSAL = "reversal"

    @property
    def label(self) -> str:
        return _SLIP_LABELS[self]

    @property
    def slip_title(self) -> str:
        """The title printed on the slip."""
        return _SLIP_TITLES[self]

    @property
    def prefix(self) -> str:
        """Default number prefix (XS20260001)."""
        return _SLIP_PREFIX[self]

    @property
    def stock_sign(self) -> int:
        """+1 when the slip brings goods in, -1 when it takes them out."""
        return _STOCK_SIGN[self]

    @property
    def needs_supervisor(self) -> bool:
        """D6/D7: stock-in and gift/out slips are signed by a supervisor."""
        return self in (SlipType.STOCK_IN, SlipType.GIFT)

    @property
    def has_customer(self) -> bool:
        return self in (SlipType.SALE, SlipType.RETURN, SlipType.REVERSAL)

    @classmethod
    def parse(cls, text: str) -> SlipType:
        text = text.strip()
        for t in cls:
            if text in (t.value, t.label, t.prefix):
                return t
        raise ValueError(text)


_SLIP_LABELS = {
    SlipType.SALE: "销售出库",
    SlipType.RETURN: "销售退货",
    SlipType.GIFT: "赠送出库",
    SlipType.STOCK_IN: "入库",
    SlipType.REVERSAL: "红冲",
}
_SLIP_TITLES = {
    SlipType.SALE: "销货清单",
    SlipType.RETURN: "退货单",
    SlipType.GIFT: "出库单",
    SlipType.STOCK_IN: "入库单",
    SlipType.REVERSAL: "冲红单",
}
_SLIP_PREFIX = {
    SlipType.SALE: "XS",
    SlipType.RETURN: "TH",
    SlipType.GIFT: "ZS",
    SlipType.STOCK_IN: "RK",
    SlipType.REVERSAL: "HC",
}
_STOCK_SIGN = {
    SlipType.SALE: -1,
    SlipType.RETURN: 1,
    SlipType.GIFT: -1,
    SlipType.STOCK_IN: 1,
    SlipType.REVERSAL: 1,  # a reversal's lines carry the sign of the slip they undo
}


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
