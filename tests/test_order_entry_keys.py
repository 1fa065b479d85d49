"""Order-entry keys beyond the basic flow: gift lines (Ctrl+G), copying a shown price."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Product, Stock
from kaidan_tui.tui.app import KaidanApp
from kaidan_tui.tui.screens.dialogs import ApprovalDialog
from tests.test_order_entry import (
    add_line,
    lines_of,
    login,
    message,
    posted,
    settle,
    type_in,
    with_a_line,
)

D = Decimal


def stock_of(db: Database, code: str) -> Decimal:
    with db.read() as s:
        product = s.exec(select(Product).where(Product.code == code)).one()
        rows = s.exec(select(Stock.qty).where(Stock.product_id == product.id)).all()
        return sum(rows, D(0))


async def test_gift_line_is_zero_priced_flagged_approved_and_leaves_stock(
    demo_db: Database,
) -> None:
    before = stock_of(demo_db, "YL0001")
    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0001")
        await type_in(pilot, "YL0024")
        await type_in(pilot, "5")
        await pilot.press("enter")  # a paid line at the policy price
        await settle(pilot)
        await type_in(pilot, "YL0001")
        await type_in(pilot, "2")
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert screen.query_one("#price").value == "0.00"  # type: ignore[attr-defined]
        assert "赠品" in message(screen)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ApprovalDialog)  # a gift on a sale needs a supervisor
        await type_in(pilot, "8001")
        await type_in(pilot, "8888")
        assert screen.last_posted is not None
    slip = posted(demo_db)[-1]
    paid, gift = lines_of(demo_db, slip.id)
    assert (gift.is_gift, gift.price, gift.amount, gift.price_source) == (
        True,
        D("0"),
        D("0"),
        "gift",
    )
    assert gift.approved_by_id is not None and not paid.is_gift
    assert slip.total_amount == paid.amount
    assert stock_of(demo_db, "YL0001") == before - 2  # still counted in stock


async def test_ctrl_f_steps_through_the_prices_the_panel_shows(demo_db: Database) -> None:
    """Ctrl+F puts the agreed, tier, list and last price into the price cell in turn
    (those the product has), then starts again; Enter takes the one shown."""
    from kaidan_tui.domain.enums import PriceSource

    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0001")
        await type_in(pilot, "YL0001")
        await type_in(pilot, "3")
        assert screen.current is not None
        facts = screen.current.facts
        order = [PriceSource.AGREED, PriceSource.TIER, PriceSource.LIST, PriceSource.LAST]
        offered = [(s, v) for s in order if (v := facts.price_of(s)) is not None]
        assert len(offered) >= 2, "the demo product should offer two prices at least"
        seen = []
        for _ in range(len(offered) + 1):
            await pilot.press("ctrl+f")
            await settle(pilot)
            seen.append(screen.query_one("#price").value)  # type: ignore[attr-defined]
        expected = [f"{v:.2f}" for _, v in offered]
        assert seen == [*expected, expected[0]]  # in the panel's order, then round again
        assert offered[0][0].label in message(screen)
        await pilot.press("enter")
        await settle(pilot)
        [line] = screen.lines
        assert line.price == offered[0][1]
        source = offered[0][0].value if offered[0][1] == line.policy else "manual"
        assert line.source.value == source


async def test_ctrl_f_without_a_product_says_so(demo_db: Database) -> None:
    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0001")
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert "请先选择商品" in message(screen)


async def test_codes_added_to_a_line_after_the_fact(demo_db: Database) -> None:
    """A clerk forgot the 瓶码 of a coded product: ↑ to the line, Ctrl+T, type, Enter."""
    from kaidan_tui.db.models import SlipLineCode

    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0022")
        await type_in(pilot, "JS0051")
        await type_in(pilot, "2")
        await pilot.press("enter")  # the policy price: the line goes in without codes
        await settle(pilot)
        assert [ln.trace_codes for ln in screen.lines] == [()]
        await pilot.press("ctrl+t")  # nothing chosen in the product cell yet
        await settle(pilot)
        assert "↑" in message(screen)
        await pilot.press("up", "ctrl+t")
        await settle(pilot)
        await type_in(pilot, "WLY001 WLY002")
        assert [ln.trace_codes for ln in screen.lines] == [("WLY001", "WLY002")]
        assert "第 1 行已改好" in message(screen)
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
    slip = posted(demo_db)[-1]
    line = lines_of(demo_db, slip.id)[0]
    with demo_db.read() as s:
        codes = s.exec(select(SlipLineCode.code).where(SlipLineCode.line_id == line.id)).all()
    assert (line.code, sorted(codes)) == ("JS0051", ["WLY001", "WLY002"])


async def _post_a_return(pilot: Any, screen: Any) -> str:
    await type_in(pilot, "K0001")
    await add_line(pilot, "YL0001", "1", "48.50")
    await pilot.press("f9")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert screen.last_posted is not None
    return str(screen.last_posted.number)


async def test_after_a_return_the_next_order_is_a_sale(demo_db: Database) -> None:
    """The type used to stick: the next customer's sale reached F9 as 退款合计."""
    from kaidan_tui.domain.enums import SlipType

    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await login(pilot)
        head = screen.query_one("#order-head")
        assert not head.has_class("-other-type")
        await pilot.press("f6", "2")  # sale → return (F6 lists the types)
        await settle(pilot)
        assert screen.slip_type is SlipType.RETURN and head.has_class("-other-type")
        assert "销售退货" in str(screen.query_one("#type-tag").render())
        number = await _post_a_return(pilot, screen)
        assert number.startswith("TH")
        assert screen.slip_type is SlipType.SALE and "销售出库" in (screen.title or "")
        assert not head.has_class("-other-type")


async def test_a_pinned_type_stays_until_ctrl_n(demo_db: Database) -> None:
    from kaidan_tui.domain.enums import SlipType

    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await login(pilot)
        await pilot.press("f6", "2", "ctrl+y")
        await settle(pilot)
        assert screen.type_pinned and "已固定" in (screen.title or "")
        assert "固定" in str(screen.query_one("#type-tag").render())
        first = await _post_a_return(pilot, screen)
        assert screen.slip_type is SlipType.RETURN  # pinned: a run of returns
        second = await _post_a_return(pilot, screen)
        assert first.startswith("TH") and second.startswith("TH") and first != second
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.slip_type is SlipType.SALE and not screen.type_pinned
        assert not screen.query_one("#order-head").has_class("-other-type")


async def test_editing_a_line_starts_at_its_quantity(demo_db: Database) -> None:
    """↑ ⏎ 4 ⏎ ⏎ means quantity 4 (the hostile trial: it became 单价 4.00); Ctrl+G on a
    highlighted row makes that row a gift without opening it first."""
    app = KaidanApp(demo_db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0001")
        await add_line(pilot, "YL0001", "3")
        await add_line(pilot, "LS0001", "2")
        price = screen.lines[0].price
        await pilot.press("up", "up", "enter")
        await settle(pilot)
        assert screen.focused is screen.query_one("#qty")
        assert "第 1 行" in message(screen)
        await pilot.press("4", "enter", "enter")
        await settle(pilot)
        first = screen.lines[0]
        assert (first.product.code, first.qty, first.price) == ("YL0001", D(4), price)
        await pilot.press("up", "ctrl+g", "enter", "enter")  # the last row, as a gift
        await settle(pilot)
        assert [ln.is_gift for ln in screen.lines] == [False, True]
        assert screen.lines[1].price == 0


async def test_a_stray_f6_changes_nothing(demo_db: Database) -> None:
    """F6 lists the types: Esc keeps the sale; a digit or ↓ ⏎ picks one."""
    from kaidan_tui.domain.enums import SlipType
    from kaidan_tui.tui.screens.type_pick import TypePick

    app = KaidanApp(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await with_a_line(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, TypePick) and screen.slip_type is SlipType.SALE
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and screen.slip_type is SlipType.SALE
        await pilot.press("f6", "down", "enter")
        await settle(pilot)
        assert screen.slip_type is SlipType.RETURN and "已改为销售退货" in message(screen)
        await pilot.press("f6", "1")
        await settle(pilot)
        assert screen.slip_type is SlipType.SALE
