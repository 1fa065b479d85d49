"""A line of the slip as typed, and ``编码*数量`` in the product cell."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kaidan_tui.domain.enums import PriceSource
from kaidan_tui.domain.money import line_amount
from kaidan_tui.services.catalog import ProductHit


@dataclass(frozen=True, slots=True)
class Line:
    product: ProductHit
    qty: Decimal
    price: Decimal
    policy: Decimal
    source: PriceSource
    trace_codes: tuple[str, ...] = ()
    is_gift: bool = False

    @property
    def amount(self) -> Decimal:
        return line_amount(self.qty, self.price)


def split_code_qty(text: str) -> tuple[str, str | None]:
    """``ZT001*12`` → (``ZT001``, ``12``): code and quantity in one go."""
    for sep in ("*", "＊", "×"):
        if sep in text:
            code, _, qty = text.partition(sep)
            return code.strip(), qty.strip() or None
    return text.strip(), None
