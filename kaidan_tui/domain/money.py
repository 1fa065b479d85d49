"""Money and quantities: ``Decimal`` in code, integer fen in the database.

Every amount is rounded ROUND_HALF_UP to 0.01 (分); quantities to 0.001.
Input parsing accepts what a Chinese IME produces (full-width digits, 。as a point,
a leading ￥ or ¥, thousands separators) and rejects anything else with a clear message.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from kaidan_tui.domain.errors import InputError
from kaidan_tui.domain.text import clean_text

CENT = Decimal("0.01")
MILLI = Decimal("0.001")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("999999999999.99")
MAX_QTY = Decimal("99999999.999")

_FULLWIDTH = str.maketrans(
    {
        "。": ".",
        "．": ".",
        "，": ",",
        "－": "-",
        "＋": "+",
        "￥": "",
        "¥": "",
        "　": "",
    }
)
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def money(value: Decimal | int | str) -> Decimal:
    """Round to fen, ROUND_HALF_UP (四舍五入). ``float`` is refused on purpose."""
    if isinstance(value, float):  # pragma: no cover - guarded by types as well
        raise TypeError("money must never be a float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def quantity(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):  # pragma: no cover
        raise TypeError("quantity must never be a float")
    return Decimal(value).quantize(MILLI, rounding=ROUND_HALF_UP)


def to_fen(value: Decimal) -> int:
    return int(money(value) * 100)


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(CENT)


def normalise_number_text(text: str) -> str:
    """Full-width to half-width (１２ → 12), drop currency signs, spaces and separators."""
    text = unicodedata.normalize("NFKC", text).translate(_FULLWIDTH)
    return text.replace(",", "").replace(" ", "").strip()


def _shown(text: str) -> str:
    """Input echoed in a message: no control character (a NUL or ESC typed or pasted
    must not reach the screen or the error log), and not a whole pasted page."""
    shown = clean_text(text)
    return shown if len(shown) <= 30 else shown[:30] + "…"


def _parse(text: str, what: str, field: str | None) -> Decimal:
    raw = _shown(text)
    cleaned = normalise_number_text(text)
    if not cleaned:
        raise InputError(f"{what}不能为空，请输入数字。", field=field)
    if not _NUMBER_RE.match(cleaned):
        raise InputError(f"{what}「{raw}」不是数字，请只输入数字和小数点。", field=field)
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - regex above guards this
        raise InputError(f"{what}「{raw}」不是数字。", field=field) from exc


def parse_price(text: str, *, field: str | None = "price", allow_zero: bool = True) -> Decimal:
    """Parse a unit price typed by a clerk. Never negative; at most 2 decimals after rounding."""
    value = _parse(text, "单价", field)
    if value < 0:
        raise InputError(
            f"单价不能为负数（输入的是「{_shown(text)}」）。退货请选择退货单。", field=field
        )
    if value > MAX_AMOUNT:
        raise InputError(f"单价「{_shown(text)}」过大，请检查是否多输了数字。", field=field)
    if not allow_zero and value == 0:
        raise InputError("单价不能为 0，请输入实际单价。", field=field)
    if value != value.quantize(CENT):
        raise InputError(f"单价「{_shown(text)}」小数位太多，最多两位小数（到分）。", field=field)
    return money(value)


def is_price(text: str | None, price: Decimal) -> bool:
    """Whether ``text`` is a valid price equal to ``price`` (a typed price that only
    repeats the one offered: the order screen sends every line's price)."""
    try:
        return parse_price(str(text)) == price
    except InputError:
        return False


def parse_quantity(text: str, *, field: str | None = "qty") -> Decimal:
    """Parse a quantity: positive, at most three decimals."""
    value = _parse(text, "数量", field)
    if value <= 0:
        raise InputError(f"数量必须大于 0（输入的是「{_shown(text)}」）。", field=field)
    if value > MAX_QTY:
        raise InputError(f"数量「{_shown(text)}」过大，请检查是否多输了数字。", field=field)
    if value != value.quantize(MILLI):
        raise InputError(f"数量「{_shown(text)}」小数位太多，最多三位小数。", field=field)
    return quantity(value)


def parse_amount(text: str, *, field: str | None = None, what: str = "金额") -> Decimal:
    """Parse a money amount (may be negative, e.g. a refund)."""
    value = _parse(text, what, field)
    if abs(value) > MAX_AMOUNT:
        raise InputError(f"{what}「{_shown(text)}」过大，请检查。", field=field)
    if value != value.quantize(CENT):  # 5190.805 is a typo, not a fen to round away
        raise InputError(f"{what}「{_shown(text)}」小数位太多，最多两位小数（到分）。", field=field)
    return money(value)


def line_amount(qty: Decimal, price: Decimal) -> Decimal:
    return money(qty * price)


def format_money(value: Decimal) -> str:
    """``1234.5`` → ``1,234.50`` (for screens; slips use plain digits)."""
    return f"{money(value):,.2f}"


def format_qty(value: Decimal) -> str:
    """Quantities without trailing zeros: 12, 1.5, 0.125."""
    q = quantity(value)
    text = f"{q:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
