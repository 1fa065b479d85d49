"""大写金额: an amount in Chinese capitals, by the banking rules (《支付结算办法》).

- digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟, groups 万 亿;
- consecutive zeros collapse to one 零; zeros at the end of a group are dropped;
- a group below 1000 after a higher non-zero group is preceded by 零 (壹拾万零伍佰元整);
- 元, then 角 and 分; 整 only when there is neither 角 nor 分;
- 角 zero with 分 non-zero writes 零 (壹元零伍分);
- 10 is 壹拾 (never a bare 拾), 0 is 零元整, negative amounts start with 负.
"""

from __future__ import annotations

from decimal import Decimal

from kaidan_tui.domain.money import money

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")


def _group(n: int) -> str:
    """0 < n < 10000, without leading 零."""
    out: list[str] = []
    pending_zero = False
    for pos in (3, 2, 1, 0):
        d = n // 10**pos % 10
        if d == 0:
            if out:
                pending_zero = True
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(DIGITS[d] + _UNITS[pos])
    return "".join(out)


def _integer(n: int) -> str:
    if n >= 10**16:
        raise ValueError("amount too large for 大写金额")
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out = ""
    pending_zero = False
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if g == 0:
            if out:
                pending_zero = True
            continue
        if out and (pending_zero or g < 1000):
            out += "零"
        out += _group(g) + _GROUPS[i]
        pending_zero = False
    return out


def amount_in_capitals(amount: Decimal) -> str:
    """``Decimal('10500.05')`` → ``壹万零伍佰元零伍分``."""
    value = money(amount)
    if value < 0:
        return "负" + amount_in_capitals(-value)
    fen_total = int(value * 100)
    yuan, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)
    if yuan == 0 and rest == 0:
        return "零元整"
    out = _integer(yuan) + "元" if yuan else ""
    if jiao:
        out += DIGITS[jiao] + "角"
    elif fen and yuan:
        out += "零"
    if fen:
        out += DIGITS[fen] + "分"
    if not rest:
        out += "整"
    return out
