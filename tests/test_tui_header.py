"""The order header as a clerk types it (issue 21): 送货 / 经手 / PO号 / 仓库 / 日期, the
地州 freight row, D8's required fields refused at F9 with the cursor on them, a closed
day offering the next open one, and header text autosaved without an Enter."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import select
from textual.widgets import Static

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Customer, OrderAutosave, Slip
from kaidan_tui.domain import clock
from kaidan_tui.services import daily, day_end
from kaidan_tui.services.users import UserInfo
from kaidan_tui.tui.app import KaidanApp
from kaidan_tui.tui.screens.dialogs import ConfirmPost, DayClosed
from kaidan_tui.tui.screens.order_entry import OrderEntryScreen
from tests.test_order_entry import add_line, login, message, posted, settle, type_in

SIZE = (120, 35)


def value(screen: OrderEntryScreen, name: str) -> str:
    return screen._input(name).value


def issues(screen: OrderEntryScreen) -> str:
    return str(screen.query_one("#issues", Static).render())


def focused(screen: OrderEntryScreen) -> str:
    return getattr(screen.focused, "id", "") or ""


async def post(pilot: Any) -> None:
    await pilot.press("f9")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ConfirmPost), message(pilot.app.screen)
    await pilot.press("enter")
    await settle(pilot)


async def test_a_regional_slip_needs_its_freight_phone_and_carries_the_driver(
    demo_db: Database,
) -> None:
    with demo_db.write() as s:  # a 地州 customer whose record has no freight phone
        customer = s.exec(select(Customer).where(Customer.code == "K0032")).one()
        customer.freight_phone = ""
        s.add(customer)
    app = KaidanApp(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await login(pilot)
        assert not screen.query_one("#regional-row").display
        await type_in(pilot, "K0032")  # 地州: the freight row, filled from the record
        assert screen.query_one("#regional-row").display
        assert not screen._input("po_number").display
        assert value(screen, "freight_station") == "昆明西部客运站楚雄专线托运部"
        await add_line(pilot, "YL0001", "2")
        await pilot.press("ctrl+s")  # to the header: 结算, then Enter to 送货
        assert focused(screen) == "settlement"
        await pilot.press("enter")
        await settle(pilot)
        assert focused(screen) == "delivery"
        await type_in(pilot, "李师傅")
        assert focused(screen) == "handler"
        await type_in(pilot, "王")
        assert focused(screen) == "warehouse", "PO号 is skipped: not a 商超 slip"
        await pilot.press("enter", "enter")  # 仓库 (default), 日期 (today)
        await settle(pilot)
        assert focused(screen) == "contact"
        await pilot.press("enter", "enter", "enter")  # 收货人, 电话, 托运部 as they are
        await settle(pilot)
        assert focused(screen) == "freight_phone" and value(screen, "freight_phone") == ""
        before = len(posted(demo_db))
        await pilot.press("f9")
        await settle(pilot)
        assert "地州客户的单必须有托运电话" in message(screen)
        assert "请在表头「托运电话」填写" in message(screen)
        assert focused(screen) == "freight_phone" and len(posted(demo_db)) == before
        assert "托运电话" in issues(screen)
        await type_in(pilot, "0874-3123456")
        assert "托运电话" not in issues(screen), "filled in: its warning goes at once, not at F9"
        await post(pilot)
    slip = posted(demo_db)[-1]
    assert (slip.cust_code, slip.delivery) == ("K0032", "李师傅")
    assert slip.freight_phone == "0874-3123456"
    assert slip.handler == "王" and slip.freight_station == "昆明西部客运站楚雄专线托运部"
    drivers = {d.driver for d in daily.report(demo_db, clock.today()).drivers}
    assert "李师傅" in drivers, "the driver's cash is counted under the driver, not 自提"


async def test_a_supermarket_slip_asks_for_its_po_first(demo_db: Database) -> None:
    app = KaidanApp(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0043")  # 商超, ledger SC
        assert screen._input("po_number").display and focused(screen) == "po_number"
        assert "先输入 PO号" in message(screen)  # said: else a product code goes in there
        await pilot.press("enter")  # no PO yet: on to the lines
        await settle(pilot)
        await add_line(pilot, "YL0006", "2")
        await pilot.press("f9")
        await settle(pilot)
        assert "商超客户的单必须有PO号" in message(screen) and focused(screen) == "po_number"
        await type_in(pilot, "WMT-PO-7781")
        await post(pilot)
    slip = posted(demo_db)[-1]
    assert (slip.cust_code, slip.po_number) == ("K0043", "WMT-PO-7781")


async def test_a_bad_date_is_named_and_nothing_is_lost(demo_db: Database) -> None:
    app = KaidanApp(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0001")
        await add_line(pilot, "YL0001", "2")
        screen._focus("business_date")
        await type_in(pilot, "2026-02-30")
        assert "2026 年 2 月只有 28 天" in message(screen)
        assert focused(screen) == "business_date"
        await pilot.press("f9")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmPost) and "只有 28 天" in message(screen)
        assert [ln.product.code for ln in screen.lines] == ["YL0001"]


async def test_after_the_close_f9_offers_the_next_open_day(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    today = clock.today()
    for ledger in ("KD", "SC"):
        for d in daily.report(demo_db, today, ledger=ledger).drivers:
            day_end.count_cash(demo_db, today, d.driver, d.expected, user=clerk, ledger=ledger)
        day_end.close(demo_db, today, user=clerk, approver=supervisor, ledger=ledger)
    tomorrow = today + timedelta(days=1)
    app = KaidanApp(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0001")  # said when the customer is picked, not only at F9
        assert f"{today} 已日结" in message(screen) and tomorrow.isoformat() in message(screen)
        await add_line(pilot, "YL0001", "2")
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, DayClosed)
        await pilot.press("enter")  # book it on the next open day
        await settle(pilot)
        assert value(screen, "business_date") == tomorrow.isoformat()
        assert isinstance(app.screen, ConfirmPost)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.last_posted is not None, message(screen)
    with demo_db.read() as s:
        slip = s.get(Slip, screen.last_posted.slip_id)
        assert slip is not None and slip.business_date == tomorrow


async def test_header_text_is_autosaved_without_an_enter(demo_db: Database) -> None:
    app = KaidanApp(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0001")
        await add_line(pilot, "YL0001", "2")
        await pilot.press("ctrl+o")  # 备注
        await type_in(pilot, "下午三点前送到", enter=False)
        await pilot.press("ctrl+s")  # left the field: saved at once
        await type_in(pilot, "月结", enter=False)  # still in it: saved a second later
        await pilot.pause(1.5)
        assert screen.autosaver is not None
        screen.autosaver.flush()
    with demo_db.read() as s:
        [row] = s.exec(select(OrderAutosave).where(OrderAutosave.closed_at == None)).all()  # noqa: E711
    assert "下午三点前送到" in row.data and "月结" in row.data


async def test_the_highlighted_match_stays_in_sight_when_the_box_is_short(
    demo_db: Database,
) -> None:
    """Found by the hostile trial at 100×30: the highlight walked past the tenth row,
    the list did not scroll, and Enter picked a product the clerk never saw."""
    from kaidan_tui.tui.widgets.matchlist import MatchList

    app = KaidanApp(demo_db)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0001")
        await type_in(pilot, "YL", enter=False)
        popup = screen.query_one("#popup", MatchList)
        shown = popup.content_size.height
        assert 0 < shown < popup.option_count, "the list is longer than its box"
        for _ in range(shown + 3):
            await pilot.press("down")
        await settle(pilot)
        code = popup.choice()
        assert code is not None
        popup.render_lines(popup.region.reset_offset)  # the styles, as a paint sets them
        seen = [popup.render_line(y).text for y in range(shown)]
        assert any(code in line for line in seen), (code, seen)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.current is not None and screen.current.product.code == code


async def test_an_emptied_freight_station_is_missing_and_the_preview_shows_what_is_typed(
    demo_db: Database,
) -> None:
    """Found by the hostile trial: an emptied 托运部 was not refused (the record's was
    used), and F10 printed the record's 托运部 while the slip got the one typed."""
    from kaidan_tui.services import printouts

    app = KaidanApp(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0029")
        await add_line(pilot, "YL0024", "1")
        screen._focus("freight_station")
        await pilot.press("backspace")  # focus selects the whole value
        await settle(pilot)
        assert value(screen, "freight_station") == ""
        await pilot.press("f9")
        await settle(pilot)
        assert "地州客户的单必须有托运部" in message(screen)
        assert focused(screen) == "freight_station"
        await type_in(pilot, "顺丰物流", enter=False)
        doc = printouts.draft_document(demo_db, screen.slip_in(), maker="张丽")
        assert doc.freight_station == "顺丰物流"
        await post(pilot)
    assert posted(demo_db)[-1].freight_station == "顺丰物流"


async def test_a_new_customer_settles_their_own_way_unless_the_clerk_typed_one(
    demo_db: Database,
) -> None:
    """Found by the hostile trial: K0002 (现款) changed to K0029 (汇款) posted as 现款."""
    app = KaidanApp(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0002")
        assert value(screen, "settlement") == "现款"
        await pilot.press("ctrl+l")
        await type_in(pilot, "K0029")
        assert value(screen, "settlement") == "汇款"
        await pilot.press("ctrl+s")
        await type_in(pilot, "月结")  # typed by the clerk: kept for the next customer
        await pilot.press("ctrl+l")
        await type_in(pilot, "K0001")
        assert value(screen, "settlement") == "月结"


async def test_another_customer_requotes_the_product_in_the_editor(demo_db: Database) -> None:
    """Ctrl+L from a 二批 customer to a 零售 one with a product in the editor: the panel
    and the price that would go in are the new customer's, not the 二批价."""
    app = KaidanApp(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0015")  # 二批价 49.50
        await type_in(pilot, "YL0001")
        assert screen._input("price").value == "49.50"
        await pilot.press("ctrl+l")
        await type_in(pilot, "K0001")  # 零售价 52.00
        assert screen._input("price").value == "52.00"
        assert screen.current is not None and screen.current.price.compare(52) == 0
        assert "二批价" not in str(screen.query_one("#price-panel", Static).render())


async def test_a_mended_line_clears_its_refusal(demo_db: Database) -> None:
    app = KaidanApp(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0001")
        await type_in(pilot, "YL0001")
        await type_in(pilot, "2")
        await pilot.press("ctrl+u")
        await type_in(pilot, "-40")
        assert "不能为负数" in message(screen)
        await pilot.press("ctrl+u")
        await type_in(pilot, "50")
        assert len(screen.lines) == 1 and "负数" not in message(screen)
