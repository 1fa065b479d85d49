"""Bad input, everywhere (issue 8): property-based tests over what a clerk or a file can
throw at kaidan. A bad value is an InputError with a Chinese message, never another
exception; nothing is half imported; control characters never reach storage or paper."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Customer, Product
from kaidan_tui.domain.capitals import amount_in_capitals
from kaidan_tui.domain.errors import InputError
from kaidan_tui.domain.lookup import parse_lookup
from kaidan_tui.domain.money import parse_amount, parse_price, parse_quantity
from kaidan_tui.domain.text import clean_text
from kaidan_tui.printing.text import sanitise
from kaidan_tui.services.imports import ImportFailed, import_file

CJK = re.compile(r"[\u4e00-\u9fff]")
FULL = str.maketrans("0123456789.-+", "０１２３４５６７８９．－＋")
TODAY = date(2026, 11, 22)


def _controls(text: str) -> list[str]:
    return [ch for ch in text if unicodedata.category(ch) in ("Cc", "Cf", "Cs")]


# -- numbers ------------------------------------------------------------------------------

junk = st.text(
    st.sampled_from("0123456789０１２３４５６７８９.。．,，-－+＋￥¥ 　eE_x\x00\x1b[]/")
    | st.characters(),
    max_size=40,
)


@settings(max_examples=400)
@given(junk)
@example("\x1b[31m1")
@example("[bold]5[/]")
@example("1e9999")
@example("9" * 500)
def test_number_parsers_raise_only_a_chinese_input_error(text: str) -> None:
    for parse in (parse_price, parse_quantity, parse_amount):
        try:
            value = parse(text)
        except InputError as exc:
            assert CJK.search(exc.message), exc.message
            assert not _controls(exc.message), repr(exc.message)
            assert len(exc.message) < 200
        else:
            assert isinstance(value, Decimal) and value.is_finite()


@given(st.integers(0, 99_999_999_999), st.booleans(), st.booleans(), st.booleans())
def test_prices_in_every_ime_form_parse_to_the_same_fen(
    fen: int, full: bool, yen: bool, spaced: bool
) -> None:
    value = Decimal(fen) / 100
    text = f"{value:.2f}"
    if spaced:
        text = f"  {text} "
    if full:
        text = text.translate(FULL)
    if yen:
        text = ("￥" if full else "¥") + text
    assert parse_price(text) == value
    assert parse_amount(text) == value
    assert parse_amount("-" + text.strip().lstrip("￥¥")) == -value


@given(st.decimals(min_value=Decimal("0.001"), max_value=Decimal("99999999.999"), places=3))
def test_quantities_round_trip_and_signs_are_refused(qty: Decimal) -> None:
    assert parse_quantity(f"{qty}".translate(FULL)) == qty
    with pytest.raises(InputError, match="大于 0"):
        parse_quantity(f"-{qty}")


# -- dates in the lookup line -------------------------------------------------------------


@settings(max_examples=300)
@given(st.text(st.sampled_from("0123456789-.今天本月上昨周 　/０１２－．\x00"), max_size=30))
@example("2026-02-30")
@example("2026-13-01..2026-01-01")
@example("0000-01-01")
@example("2026-11-30..2026-11-01")
def test_lookup_line_raises_only_input_errors(text: str) -> None:
    try:
        q = parse_lookup(text, today=TODAY)
    except InputError as exc:
        assert CJK.search(exc.message)
    else:
        if q.date_from and q.date_to:
            assert q.date_from <= q.date_to


@given(st.dates(date(1900, 1, 1), date(9999, 12, 31)), st.booleans())
def test_every_real_date_is_understood_half_or_full_width(day: date, full: bool) -> None:
    text = f"{day.year:04d}-{day.month}-{day.day}"
    q = parse_lookup(text.translate(FULL) if full else text, today=TODAY)
    assert q.date_from == q.date_to == day
    q = parse_lookup(f"{day.isoformat()}..", today=TODAY)
    assert q.date_from == day and q.date_to is None


# -- 大写金额, read back by an independent parser -------------------------------------------

_DIGIT = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_UNIT = {"拾": 10, "佰": 100, "仟": 1000}
_BIG = {"万": 10_000, "亿": 100_000_000}


def read_capitals(text: str) -> Decimal:
    """Read 大写金额 back to an amount, written from the rules, not from the code:
    within a section digits take 拾佰仟; 万 and 亿 multiply what came before them;
    零 only marks a gap; 元 ends the integer part; 角/分 are tenths/hundredths; 整 ends.
    Reads the section value as it goes: 壹仟零伍 is 1005 because 零 adds nothing."""
    negative = text.startswith("负")
    text = text.removeprefix("负")
    # after 元 the rules ask for 整; after 角 it may be left out; after 分 never written
    assert text.endswith(("整", "角", "分")), text
    if "元" in text:
        whole, _, frac = text.partition("元")
    else:
        whole, frac = "", text
    total = section = digit = 0
    for ch in whole:
        if ch in _DIGIT:
            assert digit == 0, f"two digits in a row in {text}"
            digit = _DIGIT[ch]
        elif ch in _UNIT:
            assert digit, f"unit without a digit in {text}"  # 10 is 壹拾, never a bare 拾
            section += digit * _UNIT[ch]
            digit = 0
        elif ch in _BIG:
            section += digit
            digit = 0
            if ch == "亿":
                total = (total + section) * _BIG[ch]
            else:
                total += section * _BIG[ch]
            section = 0
        else:
            raise AssertionError(f"unexpected {ch!r} in {text}")
    yuan = total + section + digit
    jiao = fen = 0
    rest = frac.removesuffix("整")
    if frac.endswith("整"):
        assert rest == "", text  # 整 only when there is neither 角 nor 分
    rest = rest.removeprefix("零")
    if "角" in rest:
        d, _, rest = rest.partition("角")
        jiao = _DIGIT[d]
        assert jiao, text
    if "分" in rest:
        d, _, rest = rest.partition("分")
        fen = _DIGIT[d]
        assert fen, text
    assert rest == "", text
    if whole == "" and jiao == fen == 0:
        assert text == "零元整"
    value = Decimal(yuan) + Decimal(jiao) / 10 + Decimal(fen) / 100
    return -value if negative else value


EDGES = [
    0, 1, 9, 10, 100, 1000, 10_00, 10_01, 100_000, 100_100, 1_000_000, 1_000_001,
    10_000_00, 10_500_05, 100_000_000_00, 100_010_000_00, 9_999_999_999, 1_000_000_000,
    10_000_000_000, 10_000_000_001, 9_999_999_999_99 // 100, 9_999_999_999,
]  # fmt: skip


@settings(max_examples=2000)
@given(st.integers(0, 9_999_999_999))
def test_capitals_read_back_to_the_amount(fen: int) -> None:
    amount = Decimal(fen) / 100  # 0.00 .. 99,999,999.99
    text = amount_in_capitals(amount)
    assert read_capitals(text) == amount, text
    assert ("零零" not in text and not text.startswith("零")) or text == "零元整"
    assert read_capitals(amount_in_capitals(-amount)) == -amount if fen else True


def test_capitals_edges() -> None:
    for fen in EDGES + list(range(0, 20_001)):
        amount = Decimal(fen) / 100
        assert read_capitals(amount_in_capitals(amount)) == amount
    assert amount_in_capitals(Decimal("10500.05")) == "壹万零伍佰元零伍分"
    assert amount_in_capitals(Decimal("100000000")) == "壹亿元整"
    assert amount_in_capitals(Decimal("99999999.99")) == "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"


# -- control characters and markup --------------------------------------------------------


@settings(max_examples=400)
@given(st.text(st.characters(), max_size=60))
@example("张三\x1b@\x1dV\x00[bold red]李四[/]\u202e\u2028")
def test_clean_text_and_sanitise_leave_no_command_bytes(text: str) -> None:
    for multiline in (False, True):
        stored = clean_text(text, multiline=multiline)
        bad = [c for c in _controls(stored) if not (multiline and c == "\n")]
        assert not bad, repr(stored)
    printed = sanitise(text)
    assert not re.search("[\x00-\x1f\x7f-\x9f]", printed), repr(printed)
    assert "\x1b" not in printed and "\x1d" not in printed


def test_markup_and_controls_in_an_import_are_neutralised_on_the_way_in(
    empty_db: Database, tmp_path: Path
) -> None:
    csv = tmp_path / "customers.csv"
    csv.write_text(
        'code,name,address\nK1,"[bold]恶意\x1b[2J客户[/]\x1d","路\u202e1号"\n',
        encoding="utf-8",
    )
    import_file(empty_db, "customers", csv)
    with empty_db.read() as s:
        c = s.exec(select(Customer).where(Customer.code == "K1")).one()
    assert not _controls(c.name) and not _controls(c.address)
    assert c.name == "[bold]恶意[2J客户[/]"  # brackets kept literal; screens show Text


# -- broken import files: clear errors, nothing partly imported ----------------------------


def _count(db: Database, model: type[Product] | type[Customer]) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


PRODUCTS = "code,name,spec,unit,price\n"


def _fails(db: Database, path: Path, kind: str = "products") -> str:
    before = _count(db, Product), _count(db, Customer)
    with pytest.raises(ImportFailed) as info:
        import_file(db, kind, path)
    assert (_count(db, Product), _count(db, Customer)) == before
    assert CJK.search(info.value.message)
    return info.value.message


def test_broken_files_are_refused_whole(empty_db: Database, tmp_path: Path) -> None:
    good = "YL0001,可口可乐,330ml*24,箱,45.00\n"
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes((PRODUCTS + good).encode("gbk"))
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + (PRODUCTS + good.replace("YL0001", "YL0002")).encode())
    assert import_file(empty_db, "products", gbk).created == 1  # both encodings are read
    assert import_file(empty_db, "products", bom).created == 1
    bad_bom = tmp_path / "bad-bom.csv"  # says UTF-8, is GBK
    bad_bom.write_bytes(b"\xef\xbb\xbf" + (PRODUCTS + good).encode("gbk"))
    assert "UTF-8" in _fails(empty_db, bad_bom)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    _fails(empty_db, binary)
    missing = tmp_path / "missing.csv"
    missing.write_text("code,name\nYL0009,x\n", encoding="utf-8")
    assert "price" in _fails(empty_db, missing) or "单价" in _fails(empty_db, missing)
    dup = tmp_path / "dup.csv"
    dup.write_text(PRODUCTS + "YL0010,甲,1,个,1\nYL0011,乙,1,个,1\nYL0010,丙,1,个,1\n")
    assert "YL0010" in _fails(empty_db, dup) or "重复" in _fails(empty_db, dup)
    late = tmp_path / "late.csv"  # good rows first, one bad at the end: none go in
    late.write_text(
        PRODUCTS + "".join(f"N{i:04d},品{i},1,个,1\n" for i in range(500)) + "Z,z,1,个,abc\n"
    )
    assert "第 502 行" in _fails(empty_db, late)
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n")
    _fails(empty_db, empty)


def test_a_truncated_xlsx_is_refused(empty_db: Database, tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["code", "name", "spec", "unit", "price"])
    for i in range(300):
        ws.append([f"X{i:04d}", f"品{i}", "1", "个", 2])
    whole = tmp_path / "whole.xlsx"
    wb.save(whole)
    data = whole.read_bytes()
    for cut in (len(data) // 2, len(data) - 30, 100):
        broken = tmp_path / f"cut{cut}.xlsx"
        broken.write_bytes(data[:cut])
        assert "Excel" in _fails(empty_db, broken)
    not_zip = tmp_path / "text.xlsx"
    not_zip.write_text("code,name\n")
    _fails(empty_db, not_zip)


def test_a_huge_file_with_one_bad_row_imports_nothing(empty_db: Database, tmp_path: Path) -> None:
    rows = 200_000
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(PRODUCTS)
        for i in range(rows):
            fh.write(f"B{i:06d},品{i},1,个,{'1.5' if i != rows - 7 else '-1'}\n")
    message = _fails(empty_db, path)
    assert f"第 {rows - 7 + 2} 行" in message


def test_yesterday_is_not_today() -> None:  # keeps TODAY honest for the date tests above
    assert parse_lookup("昨天", today=TODAY).date_from == TODAY - timedelta(days=1)


def test_an_amount_too_big_to_store_is_refused_not_a_crash(store: str, tmp_path: Path) -> None:
    """Found by the money trial: 99,999,999 × ￥99,999,999,999 passed both range checks and
    overflowed the fen column when held: an internal error, and the rest of the file lost.
    Now the file check refuses it, names the order and the line, and imports nothing."""
    import json

    from tests.support.cli import kaidan

    orders = [
        {"customer": "K0002", "key": "m1", "lines": [{"product": "YL0024", "qty": "1"}]},
        {"customer": "K0002", "key": "m2",
         "lines": [{"product": "YL0001", "qty": "99999999", "price": "99999999999"}]},
        {"customer": "K0002", "key": "m3", "lines": [{"product": "YL0024", "qty": "2"}]},
    ]  # fmt: skip
    path = tmp_path / "mix.json"
    path.write_text(json.dumps(orders), encoding="utf-8")
    out = kaidan("order", "import", str(path), "--db", store, "--user", "1001")
    assert out.returncode == 2, out.stderr
    assert out.stdout == ""  # all or nothing: the file is refused before anything posts
    assert "第 2 个订单：第1行：金额过大" in out.stderr and "内部错误" not in out.stderr


def test_voiding_the_red_copy_of_a_return_says_to_enter_a_return_again(
    demo_db: Database,
) -> None:
    from kaidan_tui.domain.errors import StateError
    from kaidan_tui.services import lifecycle, slips, users

    clerk = users.login(demo_db, "1001", "1234")
    boss = users.approve(demo_db, "8001", "8888")
    back = slips.post(
        demo_db,
        slips.SlipIn(type="return", customer="K0005",
                     lines=[slips.LineIn(product="YL0001", qty="1")]),
        user=clerk,
    )  # fmt: skip
    red = lifecycle.reverse(demo_db, back.number, reason="退错了", user=clerk, approver=boss)
    with pytest.raises(StateError, match="重新开一张退货单"):
        lifecycle.void(demo_db, red.reversal_number, reason="又错了", user=clerk, approver=boss)


def test_cash_with_a_third_decimal_is_refused_not_rounded() -> None:
    """Found by the money trial: 5190.805 was taken as 5190.81, hiding a 1-fen shortfall."""
    with pytest.raises(InputError, match="小数位太多"):
        parse_amount("5190.805", what="现金")
    assert parse_amount("5190.80", what="现金") == Decimal("5190.80")


def test_slip_find_shows_a_return_as_money_going_back(store: str, tmp_path: Path) -> None:
    """Found by the money trial: returns were listed with positive amounts."""
    import json

    from tests.support.cli import kaidan

    order = [{"type": "return", "customer": "K0005", "lines": [{"product": "YL0001", "qty": "1"}]}]
    (tmp_path / "back.json").write_text(json.dumps(order), encoding="utf-8")
    posted = kaidan("order", "import", str(tmp_path / "back.json"), "--db", store)
    assert posted.returncode == 0, posted.stderr
    sold = kaidan("slip", "find", "销售", "--db", store).stdout.splitlines()
    back = kaidan("slip", "find", "退货", "--db", store).stdout.splitlines()
    assert back and all("\t-" in row for row in back if row.startswith("TH")), back
    assert sold and not any("\t-" in row for row in sold if row.startswith("XS")), sold
