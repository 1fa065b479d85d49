"""Order-entry keys beyond the basic flow: gift lines (Ctrl+G), copying a shown price."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Product, Stock
from kaidan_tui.tui.app import KaidanApp
from kaidan_tui.tui.screens.dialogs import ApprovalDialog
from tests.test_order_entry import lines_of, login, message, posted, settle, type_in

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


async def test_copy_a_shown_price_into_the_line(demo_db: Database) -> None:
    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0001")
        await type_in(pilot, "YL0001")
        await type_in(pilot, "3")
        assert screen.current is not None
        facts = screen.current.facts
        await pilot.press("alt+3")  # the list price
        await settle(pilot)
        price = screen.query_one("#price").value  # type: ignore[attr-defined]
        assert price == f"{facts.list_price:.2f}"
        assert "价格表" in message(screen)
        await pilot.press("enter")
        await settle(pilot)
        [line] = screen.lines
        assert line.price == facts.list_price
        expected = "list" if facts.list_price == screen.lines[0].policy else "manual"
        assert line.source.value == expected
        await type_in(pilot, "YL0024")
        assert screen.current is not None
        before = screen.query_one("#price").value  # type: ignore[attr-defined]
        agreed = screen.current.facts.agreed_price
        await pilot.press("alt+1")
        await settle(pilot)
        after = screen.query_one("#price").value  # type: ignore[attr-defined]
        if agreed is None:  # said so, and the price is left alone
            assert "没有协议价" in message(screen) and after == before
        else:
            assert after == f"{agreed:.2f}"


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
