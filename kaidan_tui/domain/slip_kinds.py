"""Slip kinds as data: one row per kind of slip, read wherever the code would branch.

Each :class:`SlipKind` says what a kind is called (on screen, on paper, in the daily
report), how it is numbered, which way it moves stock and sales money, what it needs
before it can be posted (a customer, a supervisor, an original slip, a reason) and how
its lines are priced. Posting (services/slips.py), voids and 红冲 (services/lifecycle.py),
the daily report, lookup words, print titles and printer routing all read this table,
so adding a kind is a row here, its rules, a migration if it stores new fields, and
tests: docs/how-to-add-a-slip-kind.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SlipType(StrEnum):
    """The stored value of ``slip.type``; everything else about a kind is in :data:`KINDS`."""

    SALE = "sale"
    RETURN = "return"
    GIFT = "gift"
    STOCK_IN = "stock_in"
    REVERSAL = "reversal"

    @property
    def kind(self) -> SlipKind:
        return KINDS[self]

    @property
    def label(self) -> str:
        return KINDS[self].label

    @property
    def slip_title(self) -> str:
        """The title printed on the slip."""
        return KINDS[self].title

    @property
    def prefix(self) -> str:
        """Default number prefix (XS20260001)."""
        return KINDS[self].prefix

    @property
    def stock_sign(self) -> int:
        """+1 when the slip brings goods in, -1 when it takes them out."""
        return KINDS[self].stock_sign

    @property
    def needs_supervisor(self) -> bool:
        return KINDS[self].supervisor

    @property
    def has_customer(self) -> bool:
        """The order screen asks for a customer (a gift may name a recipient instead)."""
        return KINDS[self].party is Party.CUSTOMER

    @classmethod
    def parse(cls, text: str) -> SlipType:
        """A type from its value (``sale``), label (``销售出库``) or prefix (``XS``)."""
        text = text.strip()
        for t in cls:
            if text in (t.value, t.label, t.prefix):
                return t
        raise ValueError(text)


class Party(StrEnum):
    """Who the slip is for."""

    CUSTOMER = "customer"
    """A customer must be chosen (sales, returns)."""
    CUSTOMER_OR_RECIPIENT = "customer_or_recipient"
    """A customer, or a recipient's name typed in (gifts and 出库 to a person or unit)."""
    NONE = "none"
    """Nobody (stock coming in); a customer may still be given."""


class Prices(StrEnum):
    """Where a line's price comes from and what is checked about it."""

    POLICY = "policy"
    """The customer's price policy (D12), with its floor and approval checks."""
    REFUND = "refund"
    """What the customer paid (rule 2 of docs/money.md); never 0; above it needs approval."""
    FREE = "free"
    """Every line at 0 (gifts)."""
    COST = "cost"
    """The product's cost (stock coming in)."""
    MIRROR = "mirror"
    """Copied from the slip it reverses, negated (红冲)."""


class Original(StrEnum):
    """Whether the slip is made against an earlier slip."""

    NONE = "none"
    MAY = "may"
    """A return may be made against a sale (``against``), or free-standing."""
    MUST = "must"
    """A 红冲 is only ever made from its original."""


@dataclass(frozen=True, slots=True)
class SlipKind:
    type: SlipType
    label: str
    """What the kind is called on screen and in the daily report's rows."""
    title: str
    """The title printed at the top of the slip."""
    prefix: str
    """The number prefix (``XS`` in XS20260001)."""
    stock_sign: int
    """+1 brings goods in, -1 takes them out (a 红冲's lines carry the opposite of its
    original's, so it is +1 over lines stored negated)."""
    money_sign: int
    """How the slip's stored figures enter the sales money: +1 a sale, -1 a return, 0 a
    slip that moves stock only. A 红冲 is 0 here: it takes its original's sign."""
    party: Party
    prices: Prices
    supervisor: bool
    """D6/D7: a supervisor signs every slip of this kind."""
    original: Original
    against: tuple[str, ...]
    """The kinds (stored values) a slip of this kind may be made against."""
    voidable: bool
    """May be voided (作废) on its open day; a 红冲 may not: its original would stay reversed."""
    entered: bool
    """Typed at the counter (the order screen's F2 cycle, ``kaidan order``); a 红冲 is not."""
    discount: bool
    """A whole-slip discount (整单优惠, 抹零, ``=1000``) may be given."""
    gift_lines: bool
    """A line may be marked 赠品 (free, needs approval)."""
    reason: bool
    """A reason must be given (in the remarks) before it posts."""
    words: tuple[str, ...]
    """Lookup words that find slips of this kind (``退货 张三``)."""
    series: str
    """The numbering series' key in the counter table: gap-free per ledger, year and series."""

    @property
    def charges(self) -> bool:
        """Charges the customer: its prices become their last prices, and on credit its
        回单 (the signed return copy) must come back."""
        return self.money_sign > 0

    @property
    def print_sign(self) -> int:
        """Returns print their amounts negative (money going back)."""
        return -1 if self.money_sign < 0 else 1

    @property
    def route(self) -> str:
        """The key of printers.toml's [routing] for this kind."""
        return self.type.value


KINDS: dict[SlipType, SlipKind] = {
    k.type: k
    for k in (
        SlipKind(
            type=SlipType.SALE,
            label="销售出库",
            title="销货清单",
            prefix="XS",
            stock_sign=-1,
            money_sign=1,
            party=Party.CUSTOMER,
            prices=Prices.POLICY,
            supervisor=False,
            original=Original.NONE,
            against=(),
            voidable=True,
            entered=True,
            discount=True,
            gift_lines=True,
            reason=False,
            words=("销售", "销货"),
            series="sale",
        ),
        SlipKind(
            type=SlipType.RETURN,
            label="销售退货",
            title="退货单",
            prefix="TH",
            stock_sign=1,
            money_sign=-1,
            party=Party.CUSTOMER,
            prices=Prices.REFUND,
            supervisor=False,
            original=Original.MAY,
            against=("sale",),
            voidable=True,
            entered=True,
            discount=False,
            gift_lines=False,
            reason=False,
            words=("退货",),
            series="return",
        ),
        SlipKind(
            type=SlipType.GIFT,
            label="赠送出库",
            title="出库单",
            prefix="ZS",
            stock_sign=-1,
            money_sign=0,
            party=Party.CUSTOMER_OR_RECIPIENT,
            prices=Prices.FREE,
            supervisor=True,
            original=Original.NONE,
            against=(),
            voidable=True,
            entered=True,
            discount=False,
            gift_lines=False,
            reason=False,
            words=("赠送", "出库"),
            series="gift",
        ),
        SlipKind(
            type=SlipType.STOCK_IN,
            label="入库",
            title="入库单",
            prefix="RK",
            stock_sign=1,
            money_sign=0,
            party=Party.NONE,
            prices=Prices.COST,
            supervisor=True,
            original=Original.NONE,
            against=(),
            voidable=True,
            entered=True,
            discount=False,
            gift_lines=False,
            reason=False,
            words=("入库",),
            series="stock_in",
        ),
        SlipKind(
            type=SlipType.REVERSAL,
            label="红冲",
            title="冲红单",
            prefix="HC",
            stock_sign=1,
            money_sign=0,
            party=Party.CUSTOMER,
            prices=Prices.MIRROR,
            supervisor=False,
            original=Original.MUST,
            # every other kind, a new one included (one that must never be reversed is
            # left out here by name)
            against=tuple(t.value for t in SlipType if t is not SlipType.REVERSAL),
            voidable=False,
            entered=False,
            discount=False,
            gift_lines=False,
            reason=True,
            words=("红冲", "冲红"),
            series="reversal",
        ),
    )
}
assert set(KINDS) == set(SlipType), "every SlipType needs its row in KINDS"

CHARGING: tuple[str, ...] = tuple(t.value for t, k in KINDS.items() if k.charges)
"""The kinds (stored values) that charge the customer."""

ENTERED: tuple[SlipType, ...] = tuple(t for t, k in KINDS.items() if k.entered)
"""The kinds typed at the counter, in the order F2 cycles through them."""

SALES_KINDS: tuple[str, ...] = tuple(t.value for t, k in KINDS.items() if k.money_sign)
"""The kinds that carry sales money (gifts and stock-in move stock only)."""

TYPE_WORDS: dict[str, SlipType] = {w: t for t, k in KINDS.items() for w in k.words}
"""Lookup word → kind."""

ROUTES: tuple[str, ...] = (*(k.route for k in KINDS.values()), "report")
"""The keys printers.toml's [routing] understands."""
