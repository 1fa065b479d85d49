"""Discounts as a counter clerk types them (折扣 / 优惠 / 抹零), always to the fen.

Whole slip (:func:`slip_discount`), the amount taken off the lines' total:

- ``95折`` or ``9.5折`` — pay 95 %;  ``9折`` — pay 90 % (a number up to 10 is tenths);
- ``-5%`` — 5 % off;  ``-50`` — 50 元 off;
- ``=1000`` — to a target total of 1000 元;
- ``抹零`` — drop the 角 and 分 (round the total down to whole yuan).

One line (:func:`line_price`): ``95折`` / ``-5%`` on the line's policy price.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from kaidan_tui.domain.errors import InputError
from kaidan_tui.domain.money import ZERO, money, normalise_number_text

HELP = "可输入：95折、9.5折、-5%（优惠 5%）、-50（优惠 50 元）、=1000（凑整到 1000 元）、抹零"


def _number(text: str) -> Decimal:
    try:
        value = Decimal(normalise_number_text(text))
    except InvalidOperation:
        raise InputError(f"折扣「{text}」看不懂。{HELP}", field="discount") from None
    if not value.is_finite() or value < 0:
        raise InputError(f"折扣「{text}」看不懂。{HELP}", field="discount")
    return value


def pay_rate(text: str) -> Decimal | None:
    """``95折`` → 0.95, ``9折`` → 0.90, ``-5%`` → 0.95; ``None`` if ``text`` is no rate."""
    t = normalise_number_text(text.strip()).replace("％", "%")
    if t.endswith("折"):
        n = _number(t[:-1])
        rate = n / 10 if n <= 10 else n / 100
    elif t.startswith("-") and t.endswith("%"):
        rate = 1 - _number(t[1:-1]) / 100
    else:
        return None
    if not ZERO < rate <= 1:
        raise InputError(f"折扣「{text}」不合理：应在 0 折到 10 折之间。", field="discount")
    return rate


def slip_discount(text: str, subtotal: Decimal) -> Decimal:
    """The amount taken off ``subtotal`` (0 ≤ discount ≤ subtotal), rounded to the fen."""
    t = normalise_number_text(text.strip())
    if not t:
        return ZERO
    if t == "抹零":
        return money(subtotal - subtotal.to_integral_value(rounding="ROUND_FLOOR"))
    rate = pay_rate(t)
    if rate is not None:
        discount = money(subtotal - money(subtotal * rate))
    elif t.startswith("="):
        target = money(_number(t[1:]))
        if target > subtotal:
            raise InputError(f"目标金额 {target} 高于合计 {money(subtotal)}，不能凑整上调。",
                             field="discount")  # fmt: skip
        discount = money(subtotal - target)
    elif t.startswith("-"):
        discount = money(_number(t[1:]))
    else:
        raise InputError(f"折扣「{text}」看不懂。{HELP}", field="discount")
    if discount > subtotal:
        raise InputError(f"优惠 {discount} 超过合计 {money(subtotal)}。", field="discount")
    return discount


def line_price(policy_price: Decimal, text: str) -> Decimal | None:
    """A line's price after a typed rate (``95折``, ``-5%``); ``None`` if no rate."""
    rate = pay_rate(text)
    return None if rate is None else money(policy_price * rate)


def allocate(amounts: list[Decimal], discount: Decimal, *, gifts: list[bool]) -> list[Decimal]:
    """Spread a whole-slip discount over the lines (docs/money.md, rule 1).

    Pro rata to the line amounts, cut down to the fen, and the fen left over one each to
    the largest remainders (the earlier line on a tie), so the shares add up to exactly
    ``discount``. Gift lines and lines of 0 get nothing. Returns each line's share.
    """
    shares = [ZERO] * len(amounts)
    discount = money(discount)
    base = sum((a for a, g in zip(amounts, gifts, strict=True) if not g and a > 0), ZERO)
    if discount == 0 or base <= 0:
        if discount != 0:
            raise ValueError("a discount needs lines to spread over")
        return shares
    fen = int(discount * 100)
    exact: list[tuple[Decimal, int]] = []
    given = 0
    for i, (amount, gift) in enumerate(zip(amounts, gifts, strict=True)):
        if gift or amount <= 0:
            continue
        whole, rest = divmod(Decimal(fen) * amount, base)
        shares[i] = Decimal(int(whole)) / 100
        given += int(whole)
        exact.append((rest, i))
    exact.sort(key=lambda r: (-r[0], r[1]))
    for _rest, i in exact[: fen - given]:
        shares[i] += Decimal("0.01")
    return [money(s) for s in shares]
