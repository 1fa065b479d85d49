from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from kaidan_tui.db.columns import Money
from kaidan_tui.db.engine import Database
from kaidan_tui.domain.errors import InputError
from kaidan_tui.domain.money import (
    format_money,
    format_qty,
    from_fen,
    line_amount,
    money,
    parse_price,
    parse_quantity,
    to_fen,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("2.675", "2.68"),
        ("-2.675", "-2.68"),
        ("1.125", "1.13"),
    ],
)
def test_round_half_up(raw: str, expected: str) -> None:
    assert money(Decimal(raw)) == Decimal(expected)


def test_float_is_refused() -> None:
    with pytest.raises(TypeError):
        Money().process_bind_param(0.1, None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("１２", "12"), ("12。5", "12.5"), (" 3 ", "3"), ("1,200", "1200"), ("０.５", "0.5")],
)
def test_quantity_accepts_ime_input(typed: str, expected: str) -> None:
    assert parse_quantity(typed) == Decimal(expected)


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("abc", "不是数字"),
        ("", "不能为空"),
        ("0", "大于 0"),
        ("-3", "大于 0"),
        ("1.2345", "小数位"),
    ],
)
def test_quantity_rejects_nonsense_with_a_message(typed: str, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        parse_quantity(typed)
    assert fragment in err.value.message
    assert err.value.field == "qty"


def test_price_parsing() -> None:
    assert parse_price("￥45.5") == Decimal("45.50")
    assert parse_price("４５") == Decimal("45.00")
    with pytest.raises(InputError, match="负数"):
        parse_price("-1")
    with pytest.raises(InputError, match="小数位"):
        parse_price("1.234")
    with pytest.raises(InputError, match="不能为 0"):
        parse_price("0", allow_zero=False)


def test_line_amount_and_formats() -> None:
    assert line_amount(Decimal("3"), Decimal("33.33")) == Decimal("99.99")
    assert line_amount(Decimal("0.333"), Decimal("10.00")) == Decimal("3.33")
    assert format_money(Decimal("1234.5")) == "1,234.50"
    assert format_qty(Decimal("12.000")) == "12"
    assert format_qty(Decimal("1.50")) == "1.5"


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_fen_round_trip(fen: int) -> None:
    assert to_fen(from_fen(fen)) == fen


def test_money_column_is_exact_on_sqlite(empty_db: Database) -> None:
    """Numeric on SQLite goes through a float; integer fen does not."""
    big = Decimal("1234567890123456.78")
    with empty_db.write() as s:
        s.execute(text("CREATE TABLE t (v BIGINT)"))
        s.execute(text("INSERT INTO t VALUES (:v)"), {"v": Money().process_bind_param(big, None)})
    with empty_db.read() as s:
        raw = s.execute(text("SELECT SUM(v) FROM t")).scalar()
    assert Money().process_result_value(raw, None) == big  # type: ignore[arg-type]
