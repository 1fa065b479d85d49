"""查询: the lookup line, and the slip commands of the CLI (find, show, void, reverse)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kaidan_tui.db.engine import Database
from kaidan_tui.domain.enums import SlipStatus, SlipType
from kaidan_tui.domain.errors import InputError
from kaidan_tui.domain.lookup import parse_lookup
from kaidan_tui.services import lifecycle, lookup
from kaidan_tui.services.users import UserInfo
from tests.support.cli import kaidan

TODAY = date(2026, 11, 23)


def test_parse_every_kind_of_word() -> None:
    q = parse_lookup(
        "xs20260012 0012 2026-11-01..2026-11-22 退货 作废 13908741234 wh 可乐", today=TODAY
    )
    assert q.number == "XS20260012" and q.tail == "0012" and q.phone == "13908741234"
    assert (q.date_from, q.date_to) == (date(2026, 11, 1), date(2026, 11, 22))
    assert q.types == {SlipType.RETURN} and q.statuses == {SlipStatus.VOID}
    assert q.words == ["wh", "可乐"]
    assert parse_lookup("昨天", today=TODAY).date_from == TODAY - timedelta(days=1)
    month = parse_lookup("上月", today=TODAY)
    assert (month.date_from, month.date_to) == (date(2026, 10, 1), date(2026, 10, 31))
    assert parse_lookup("２０２６－１１－２３", today=TODAY).date_to == TODAY  # full-width IME
    assert parse_lookup("本月　销售", today=TODAY).types == {SlipType.SALE}  # ideographic space
    with pytest.raises(InputError, match="颠倒"):
        parse_lookup("2026-11-22..2026-11-01", today=TODAY)


def test_find_by_tail_pinyin_product_phone_and_status(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    newest = lookup.find(demo_db, "")[0]
    assert len(newest) >= 5
    keys = [(r.business_date, r.id) for r in newest]
    assert keys == sorted(keys, reverse=True)  # newest first
    tail = lookup.find(demo_db, "0001")[0]
    assert {r.number for r in tail} >= {"XS20260001"}
    by_pinyin = lookup.find(demo_db, "whqsf")[0]  # 五华区顺发便利店
    assert by_pinyin and all(r.customer == "五华区顺发便利店" for r in by_pinyin)
    by_product = lookup.find(demo_db, "JS0051")[0]  # on the sample slip with bottle codes
    assert [r.customer for r in by_product] == ["西山区广福路兴盛酒业"]
    assert lookup.find(demo_db, "15974932952")[0] == by_pinyin  # the customer's phone
    lifecycle.void(demo_db, "XS20260001", reason="测试作废", user=clerk, approver=supervisor)
    void = lookup.find(demo_db, "作废")[0]
    assert [(r.number, r.status) for r in void] == [("XS20260001", SlipStatus.VOID)]
    assert "XS20260001" in {r.number for r in lookup.find(demo_db, "whqsf")[0]}  # still listed
    assert lookup.count(demo_db, "今天") >= 5


def test_pages_are_capped(demo_db: Database) -> None:
    first, more = lookup.find(demo_db, "", size=2)
    second, _ = lookup.find(demo_db, "", size=2, page=1)
    assert len(first) == 2 and more and not {r.id for r in first} & {r.id for r in second}


def test_cli_void_needs_the_supervisor_pin(store: str) -> None:
    args = ("slip", "void", "XS20260002", "--reason", "客户取消", "--supervisor", "8001")
    out = kaidan(*args, "--db", store)  # no terminal, no --pin-stdin
    assert out.returncode == 2 and "--pin-stdin" in out.stderr
    out = kaidan(*args, "--pin-stdin", "--db", store, stdin="0000\n")
    assert out.returncode == 2 and "PIN 错误" in out.stderr
    out = kaidan("slip", "void", "XS20260002", "--reason", "客户取消", "--supervisor", "1001",
                 "--pin-stdin", "--db", store, stdin="1234\n")  # fmt: skip
    assert out.returncode == 2 and "主管" in out.stderr  # a clerk cannot approve
    out = kaidan(*args, "--pin-stdin", "--db", store, stdin="8888\n")
    assert out.returncode == 0, out.stderr
    out = kaidan("slip", "find", "作废", "--db", store)
    assert out.stdout.startswith("XS20260002【作废】")
    out = kaidan("slip", "show", "XS20260002", "--db", store)
    assert "★ 作废 ★" in out.stdout and "作废：客户取消" in out.stdout


def test_cli_reverse_prints_the_new_number(store: str) -> None:
    out = kaidan("slip", "reverse", "XS20260003", "--reason", "退单", "--supervisor", "8001",
                 "--pin-stdin", "--db", store, stdin="8888\n")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith("HC")
    shown = kaidan("slip", "show", out.stdout.strip(), "--db", store)
    assert "冲 红 单" in shown.stdout and "红冲原单：XS20260003" in shown.stdout


def test_cli_names_printers_as_the_counter_does(store: str) -> None:
    """The demo's printers.toml labels 'preview' 针式（演示文件）: that is what is said."""
    out = kaidan("print", "XS20260002", "--db", store)
    assert out.returncode == 0, out.stderr
    assert "→ 针式（演示文件）：" in out.stderr and "→ preview" not in out.stderr
    shown = kaidan("slip", "show", "XS20260002", "--db", store).stdout
    assert "针式（演示文件） 已打印" in shown and " preview " not in shown
