"""大写金额 against the banking rules, on every pattern and on every amount (property)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaidan_tui.domain.capitals import amount_in_capitals

CASES = {
    "0": "零元整",
    "0.05": "伍分",
    "0.50": "伍角",
    "0.55": "伍角伍分",
    "1": "壹元整",
    "1.05": "壹元零伍分",
    "10": "壹拾元整",
    "11": "壹拾壹元整",
    "100.50": "壹佰元伍角",
    "101": "壹佰零壹元整",
    "1010": "壹仟零壹拾元整",
    "1001.01": "壹仟零壹元零壹分",
    "10000": "壹万元整",
    "10500.05": "壹万零伍佰元零伍分",
    "105000.05": "壹拾万伍仟元零伍分",
    "100010": "壹拾万零壹拾元整",
    "1680.32": "壹仟陆佰捌拾元叁角贰分",
    "6007.14": "陆仟零柒元壹角肆分",
    "107000.53": "壹拾万柒仟元伍角叁分",
    "100000000": "壹亿元整",
    "100010000": "壹亿零壹万元整",
    "1000000001": "壹拾亿零壹元整",
    "99999999.99": "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分",
    "-12.30": "负壹拾贰元叁角",
    "-0.01": "负壹分",
}


@pytest.mark.parametrize(("amount", "words"), CASES.items())
def test_patterns(amount: str, words: str) -> None:
    assert amount_in_capitals(Decimal(amount)) == words


_D = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_U = {"拾": 10, "佰": 100, "仟": 1000}


def _read_back(words: str) -> Decimal:
    """An independent reader of capitals, to check the writer on every amount."""
    sign = -1 if words.startswith("负") else 1
    words = words.removeprefix("负").removesuffix("整")
    yuan_part, _, frac = words.partition("元") if "元" in words else ("", "", words)
    total = section = digit = 0
    for ch in yuan_part:
        if ch in _D:
            digit = _D[ch]
        elif ch in _U:
            section += digit * _U[ch]
            digit = 0
        elif ch == "万":
            total += (section + digit) * 10_000
            section = digit = 0
        elif ch == "亿":
            total = (total + section + digit) * 100_000_000
            section = digit = 0
    total += section + digit
    fen = 0
    for i, ch in enumerate(frac):
        if ch == "角":
            fen += _D[frac[i - 1]] * 10
        elif ch == "分":
            fen += _D[frac[i - 1]]
    return sign * (Decimal(total) + Decimal(fen) / 100)


@given(st.integers(min_value=0, max_value=9_999_999_999))
def test_every_amount_reads_back(fen: int) -> None:
    amount = Decimal(fen) / 100
    words = amount_in_capitals(amount)
    assert _read_back(words) == amount
    assert "零零" not in words
    assert not words.endswith("零")
    assert ("整" in words) == (fen % 100 == 0)
    assert not words.startswith("拾")


def test_negative_reads_back() -> None:
    assert _read_back(amount_in_capitals(Decimal("-10500.05"))) == Decimal("-10500.05")
