"""Column types that keep money exact: Decimal in Python, integers in the database.

SQLite has no real decimal type (``Numeric`` comes back through a float), so money is
stored as integer fen, quantities as integer thousandths and rates as basis points.
Sums in SQL stay exact on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, Dialect, Integer
from sqlalchemy.types import TypeDecorator


class _Scaled(TypeDecorator[Decimal]):
    """A Decimal with ``places`` decimals, stored as the integer ``value × 10**places``.

    One exact step each way (posting binds a hundred of these per slip): scaling by a
    power of ten is exact in decimal arithmetic, so rounding the scaled value to an
    integer ROUND_HALF_UP is the same as rounding to ``places`` decimals first.
    """

    impl = BigInteger
    cache_ok = True
    places: int = 2

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("refusing to store a float as money/quantity; use Decimal")
        if not isinstance(value, Decimal):
            value = Decimal(value)
        return int(value.scaleb(self.places).to_integral_value(ROUND_HALF_UP))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.places)

    def process_literal_param(self, value: Any, dialect: Dialect) -> str:
        bound = self.process_bind_param(value, dialect)
        return "NULL" if bound is None else str(bound)

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


class Money(_Scaled):
    """Yuan as ``Decimal`` (0.01), stored as integer fen. ROUND_HALF_UP on the way in."""

    cache_ok = True
    places = 2


class Qty(_Scaled):
    """Quantity as ``Decimal`` (0.001), stored as integer thousandths."""

    cache_ok = True
    places = 3


class Rate(_Scaled):
    """A rate such as a tax rate (0.13), stored as basis points (1300)."""

    impl = Integer  # type: ignore[assignment]
    cache_ok = True
    places = 4
