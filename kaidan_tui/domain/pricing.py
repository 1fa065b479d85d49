"""Price policy (D12) and the credit and stock checks, as pure functions.

The store gathers the facts (list, tier, agreed, floor and last prices; balances; stock)
into small frozen dataclasses; these functions decide. Nothing here touches a database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from kaidan_tui.domain.enums import CreditPolicy, PriceSource, Settlement, SlipType
from kaidan_tui.domain.errors import InputError, PolicyIssue
from kaidan_tui.domain.money import format_money, format_qty, money
from kaidan_tui.domain.slip_kinds import Prices

DEFAULT_PRICE_ORDER: tuple[PriceSource, ...] = (
    PriceSource.AGREED,
    PriceSource.TIER,
    PriceSource.LIST,
)
_ORDERABLE = {PriceSource.AGREED, PriceSource.TIER, PriceSource.LIST, PriceSource.LAST}


def parse_price_order(text: str) -> tuple[PriceSource, ...]:
    """``"agreed,last,tier,list"`` → sources; list price is always the last resort."""
    try:
        order = tuple(PriceSource(p.strip()) for p in text.split(",") if p.strip())
    except ValueError as exc:
        raise InputError(
            f"取价顺序「{text}」有误，只能由 agreed, last, tier, list 组成（逗号分隔）。"
        ) from exc
    if not set(order) <= _ORDERABLE or len(set(order)) != len(order):
        raise InputError(f"取价顺序「{text}」有误：来源重复或不可用。")
    if PriceSource.LIST not in order:
        order = (*order, PriceSource.LIST)
    return order


@dataclass(frozen=True, slots=True)
class PriceFacts:
    """Everything known about the price of one product for one customer on one day."""

    list_price: Decimal
    tier_price: Decimal | None = None
    tier_name: str | None = None
    agreed_price: Decimal | None = None
    floor_price: Decimal | None = None
    last_price: Decimal | None = None

    def price_of(self, source: PriceSource) -> Decimal | None:
        return {
            PriceSource.AGREED: self.agreed_price,
            PriceSource.TIER: self.tier_price,
            PriceSource.LIST: self.list_price,
            PriceSource.LAST: self.last_price,
        }.get(source)


@dataclass(frozen=True, slots=True)
class PriceSuggestion:
    price: Decimal
    source: PriceSource


def policy_price(
    facts: PriceFacts, order: Sequence[PriceSource] = DEFAULT_PRICE_ORDER
) -> PriceSuggestion:
    """The price policy offers: the first source in ``order`` that has a price."""
    for source in order:
        price = facts.price_of(source)
        if price is not None:
            return PriceSuggestion(money(price), source)
    return PriceSuggestion(money(facts.list_price), PriceSource.LIST)


def start_price(
    kind: SlipType,
    facts: PriceFacts,
    order: Sequence[PriceSource] = DEFAULT_PRICE_ORDER,
    cost: Decimal | None = None,
) -> PriceSuggestion:
    """The price a line starts from when none is typed, by the kind of slip: a gift is
    free; stock comes in at cost; a free-standing return refunds what the customer last
    paid (docs/money.md, rule 2), else the policy price; a sale takes the policy price."""
    rule = kind.kind.prices
    if rule is Prices.FREE:
        return PriceSuggestion(money(0), PriceSource.GIFT)
    if rule is Prices.COST and cost is not None:
        return PriceSuggestion(money(cost), PriceSource.LIST)
    if rule is Prices.REFUND and facts.last_price is not None:
        return PriceSuggestion(money(facts.last_price), PriceSource.LAST)
    return policy_price(facts, order)


def check_price(
    price: Decimal,
    facts: PriceFacts,
    suggestion: PriceSuggestion,
    *,
    line_no: int | None = None,
    product_label: str = "",
) -> list[PolicyIssue]:
    """A price below floor, or one that differs from policy, needs a supervisor (D12)."""
    where = f"第{line_no}行" if line_no is not None else ""
    what = f"{where}{product_label}"
    issues: list[PolicyIssue] = []
    if facts.floor_price is not None and price < facts.floor_price:
        issues.append(
            PolicyIssue(
                "price_below_floor",
                f"{what}单价 {format_money(price)} 低于最低限价 {format_money(facts.floor_price)}，"
                "需主管审批",
                line_no=line_no,
                field="price",
            )
        )
    elif price != suggestion.price:
        issues.append(
            PolicyIssue(
                "price_off_policy",
                f"{what}单价 {format_money(price)} 与政策价 {format_money(suggestion.price)}"
                f"（{suggestion.source.label}）不符，需主管审批",
                line_no=line_no,
                field="price",
            )
        )
    return issues


def tax_inclusive_unit_price(
    ex_tax_price: Decimal, tax_rate: Decimal, units_per_pack: int | Decimal = 1
) -> Decimal:
    """D8: 含税价 = 不含税价 × (1 + 税率) ÷ 规格, rounded to fen.

    Supermarket POs may quote a tax-exclusive price per case; ``units_per_pack`` turns it
    into the price of our selling unit (1 when the PO already quotes per selling unit).
    """
    if tax_rate < 0 or tax_rate >= 1:
        raise InputError(f"税率 {tax_rate} 不合理，应在 0 到 1 之间（如 0.13）。")
    if Decimal(units_per_pack) <= 0:
        raise InputError("规格（每件数量）必须大于 0。")
    return money(ex_tax_price * (1 + tax_rate) / Decimal(units_per_pack))


@dataclass(frozen=True, slots=True)
class CreditFacts:
    limit: Decimal
    balance: Decimal  # what the customer owes now (posted credit slips − returns − payments)
    policy: CreditPolicy


def check_credit(
    settlement: Settlement, order_total: Decimal, facts: CreditFacts
) -> list[PolicyIssue]:
    """Credit settlements (月结/压单/滚单/代销) must stay within the limit."""
    if not settlement.is_credit or order_total <= 0:
        return []
    after = facts.balance + order_total
    if after <= facts.limit:
        return []
    msg = (
        f"信用额度不足：额度 {format_money(facts.limit)}，已用 {format_money(facts.balance)}，"
        f"本单 {format_money(order_total)}，超出 {format_money(after - facts.limit)}"
    )
    if facts.policy is CreditPolicy.WARN:
        return [PolicyIssue("credit_exceeded", msg, field="customer", blocking=False)]
    if facts.policy is CreditPolicy.BLOCK:
        return [
            PolicyIssue(
                "credit_exceeded",
                msg + "；该客户设置为超额禁止开单，请先收款或改为现款",
                field="customer",
                needs_approval=False,
            )
        ]
    return [PolicyIssue("credit_exceeded", msg + "，需主管审批", field="customer")]


def check_stock(
    *,
    line_no: int,
    product_label: str,
    wanted: Decimal,
    available: Decimal,
    block: bool,
) -> list[PolicyIssue]:
    """Stock shortfall: a warning by default, a block (with approval) if configured."""
    if wanted <= available:
        return []
    msg = (
        f"第{line_no}行{product_label}库存不足：需要 {format_qty(wanted)}，"
        f"可用 {format_qty(available)}"
    )
    return [
        PolicyIssue(
            "stock_short",
            msg + ("，需主管审批" if block else ""),
            line_no=line_no,
            field="qty",
            blocking=block,
        )
    ]
