"""A held order on two screens, as the clerk meets it (issue 21): the second counter is
told who has it; a screen whose claim was released and whose order was posted elsewhere
is refused with that slip's number, and keeps what it typed."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList

from kaidan_tui.db.engine import Database
from kaidan_tui.services import held, slips
from kaidan_tui.services.slips import LineIn, SlipIn
from kaidan_tui.services.users import UserInfo
from kaidan_tui.tui.app import KaidanApp
from kaidan_tui.tui.screens.dialogs import ApprovalDialog, HeldOrders
from tests.test_order_entry import add_line, login, message, posted, settle, type_in

ORDER = SlipIn(customer="K0001", lines=[LineIn(product="YL0001", qty="2")])


async def test_a_held_order_another_counter_has_is_not_recalled(
    demo_db: Database, clerk: UserInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    slip_id = slips.hold(demo_db, ORDER, user=clerk, reasons=["挂单"]).slip_id
    monkeypatch.setenv("KAIDAN_COUNTER", "2")
    held.recall(demo_db, slip_id, user=clerk, claim="counter-2-screen")
    monkeypatch.setenv("KAIDAN_COUNTER", "3")
    app = KaidanApp(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await login(pilot)
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, HeldOrders)
        listing = app.screen.query_one("#held-list", OptionList)
        shown = str(listing.get_option_at_index(0).prompt)
        assert "正在2 号柜台" in shown and "编辑" in shown
        await pilot.press("enter")
        await settle(pilot)
        assert f"挂单 #{slip_id} 正在2 号柜台" in message(screen) and screen.lines == []
        # a supervisor frees it (counter 2 died): Ctrl+R on the list, code and PIN
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, ApprovalDialog)
        await type_in(pilot, "8001")
        await type_in(pilot, "8888")
        assert f"已释放挂单 #{slip_id}" in message(screen)
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert [ln.product.code for ln in screen.lines] == ["YL0001"]
        assert screen.held_id == slip_id


async def test_a_lost_claim_posted_elsewhere_is_refused_with_its_number_and_kept(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    slip_id = slips.hold(demo_db, ORDER, user=clerk, reasons=["挂单"]).slip_id
    app = KaidanApp(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await login(pilot)
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.held_id == slip_id
        await add_line(pilot, "YL0024", "3")  # this screen's change
        # meanwhile: released by a supervisor, recalled and posted at another counter
        slips.release(demo_db, slip_id, approver=supervisor, user=supervisor)
        order = held.recall(demo_db, slip_id, user=supervisor, claim="elsewhere")
        other = slips.post(demo_db, order, user=supervisor, held_id=slip_id, claim="elsewhere")
        before = len(posted(demo_db))
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        said = message(screen)
        assert f"本单已过账为 {other.number}" in said and "屏幕上的单还在" in said
        assert "重复提交" not in said
        assert [ln.product.code for ln in screen.lines] == ["YL0001", "YL0024"]
        assert screen.held_id is None and len(posted(demo_db)) == before
        # the clerk decides it is a second order: F9 again makes a slip of its own
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.last_posted is not None and screen.last_posted.number != other.number
        assert len(posted(demo_db)) == before + 1
