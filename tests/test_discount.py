"""Discounts: whole slip (95折, -50, =1000, 抹零) and per line, approved when large."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kaidan_tui.db.engine import Database
from kaidan_tui.domain.discount import line_price, slip_discount
from kaidan_tui.domain.errors import InputError, PolicyViolation
from kaidan_tui.printing import config as printer_config
from kaidan_tui.printing.render import preview
from kaidan_tui.services import documents, slips
from kaidan_tui.services.users import UserInfo
from kaidan_tui.tui.app import KaidanApp
from kaidan_tui.tui.screens.dialogs import ApprovalDialog, DiscountDialog
from tests.test_order_entry import add_line, lines_of, login, posted, settle, type_in

D = Decimal


@pytest.mark.parametrize(
    ("text", "subtotal", "off"),
    [
        ("95折", "1234.56", "61.73"),  # pays 1172.83 (1172.832 rounded half up)
        ("9.5折", "1234.56", "61.73"),
        ("９折", "100.00", "10.00"),  # full-width digits from an IME
        ("-5%", "200.00", "10.00"),
        ("-50", "200.00", "50.00"),
        ("=1000", "1234.56", "234.56"),
        ("抹零", "1234.56", "0.56"),
        ("抹零", "1234.00", "0.00"),
        ("", "99.99", "0"),
    ],
)
def test_slip_discount(text: str, subtotal: str, off: str) -> None:
    assert slip_discount(text, D(subtotal)) == D(off)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("=2000", "高于合计"),
        ("-300", "超过合计"),
        ("0折", "不合理"),
        ("105折", "不合理"),
        ("半价", "看不懂"),
    ],
)
def test_bad_discounts_are_explained(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        slip_discount(text, D("200.00"))


def test_line_price() -> None:
    assert line_price(D("52.00"), "95折") == D("49.40")
    assert line_price(D("52.00"), "-10%") == D("46.80")
    assert line_price(D("52.00"), "49.5") is None  # a plain price is not a rate


def _order(discount: str) -> slips.SlipIn:
    return slips.SlipIn(
        customer="K0001",
        settlement="现款",
        discount=discount,
        lines=[slips.LineIn(product="YL0001", qty="3"), slips.LineIn(product="LS0001", qty="2")],
    )


def test_small_discount_posts_large_needs_a_supervisor(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    small = slips.post(demo_db, _order("抹零"), user=clerk)
    assert small.total_amount == small.total_amount.to_integral_value()
    with pytest.raises(PolicyViolation, match=r"整单优惠 .*需主管审批"):
        slips.post(demo_db, _order("9折"), user=clerk)
    big = slips.post(demo_db, _order("9折"), user=clerk, approver=supervisor)
    slip = posted(demo_db)[-1]
    subtotal = sum((ln.amount for ln in lines_of(demo_db, slip.id)), D(0))
    assert slip.discount_amount == subtotal - big.total_amount
    assert big.total_amount == (subtotal * D("0.9")).quantize(D("0.01"))
    assert slip.approver_id == supervisor.id
    printer = printer_config.parse(
        {"printers": {"p": {"kind": "file", "path": "/dev/null"}}}, source="t"
    ).get("p")
    with demo_db.read() as s:
        text = preview(documents.slip_document(s, slip.id or 0), printer)
    assert f"合计金额：￥{subtotal:.2f}" in text
    assert f"整单优惠：-{slip.discount_amount:.2f}" in text
    assert f"实收金额：￥{big.total_amount:.2f}" in text


def test_discount_only_on_sales(demo_db: Database, clerk: UserInfo) -> None:
    order = _order("-10")
    order.type = slips.SlipType.RETURN
    with pytest.raises(InputError, match="不能打整单折扣"):
        slips.post(demo_db, order, user=clerk)


async def test_discount_and_line_rate_in_the_tui(demo_db: Database) -> None:
    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0001")
        await add_line(pilot, "YL0001", "3", "95折")  # line: 95 % of the policy price
        await add_line(pilot, "LS0001", "2")
        [first, _second] = screen.lines
        assert first.price == (first.policy * D("0.95")).quantize(D("0.01"))
        await pilot.press("enter", "ctrl+d")
        await settle(pilot)
        assert isinstance(app.screen, DiscountDialog)
        await type_in(pilot, "=300")
        assert screen.net_total() == D("300.00")
        assert "实收 ￥300.00" in str(screen.query_one("#totals").render())
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ApprovalDialog)  # a large discount and a changed price
        await type_in(pilot, "8001")
        await type_in(pilot, "8888")
        assert screen.last_posted is not None
    slip = posted(demo_db)[-1]
    assert slip.total_amount == D("300.00") and slip.discount_amount > 0
