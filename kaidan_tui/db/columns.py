"""Column types that keep money exact: Decimal in Python, integers in the database.

SQLite has no real decimal type (``Numeric`` comes back through a float), so money is
stored as integer fen, quantities as integer thousandths and rates as basis points.
Sums in SQL stay exact on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Dialect, Integer
from sqlalchemy.types import TypeDecorator

from kaidan_tui.domain.money import money, quantity

_FEN = Decimal(100)
_MILLI = Decimal(1000)
_BP = Decimal(10000)


class _Scaled(TypeDecorator[Decimal]):
    impl = BigInteger
    cache_ok = True
    scale: Decimal = _FEN

    def _round(self, value: Decimal) -> Decimal:
        return money(value)

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("refusing to store a float as money/quantity; use Decimal")
        return int(self._round(Decimal(value)) * self.scale)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return self._round(Decimal(int(value)) / self.scale)

    def process_literal_param(self, value: Any, dialect: Dialect) -> str:
        bound = self.process_bind_param(value, dialect)
        return "NULL" if bound is None else str(bound)

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


class Money(_Scaled):
    """Yuan as ``Decimal`` (0.01), stored as integer fen. ROUND_HALF_UP on the way in."""

    cache_ok = True
    scale = _FEN


class Qty(_Scaled):
    """Quantity as ``Decimal`` (0.001), stored as integer thousandths."""

    cache_ok = True
    scale = _MILLI

    def _round(self, value: Decimal) -> Decimal:
        return quantity(value)


class Rate(_Scaled):
    """A rate such as a tax rate (0.13), stored as basis points (1300)."""

    impl = Integer  # type: ignore[assignment]
    cache_ok = True
    scale = _BP

    def _round(self, value: Decimal) -> Decimal:
        return value.quantize(Decimal("0.0001"))
