"""The daily-report screen (F4): typing received cash, ticking return copies, closing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlmodel import select
from textual.widgets import Input, Static

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import DayClose, ReturnCopy
from kaidan_tui.domain import clock
from kaidan_tui.services import daily, slips
from kaidan_tui.services.users import UserInfo
from kaidan_tui.tui.app import KaidanApp
from kaidan_tui.tui.screens.daily import CashDialog, DailyScreen
from kaidan_tui.tui.screens.dialogs import ApprovalDialog
from tests.test_order_entry import login, settle, type_in


async def open_daily(pilot: Any) -> DailyScreen:
    """Logged in as the clerk, F4: the daily report screen."""
    await login(pilot)
    await pilot.press("f4")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, DailyScreen)
    return screen


async def test_cash_copies_and_close_on_screen(demo_db: Database, clerk: UserInfo) -> None:
    credit = slips.SlipIn(customer="K0005", settlement="月结", delivery="李师傅",
                          lines=[slips.LineIn(product="YL0001", qty="2")])  # fmt: skip
    credit_no = slips.post(demo_db, credit, user=clerk).number
    app = KaidanApp(demo_db)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_daily(pilot)
        assert screen.report is not None
        drivers = list(screen.report.drivers)
        assert drivers and all(d.received is None for d in drivers)
        await pilot.press("f9")  # close before the cash is counted: refused, no PIN asked
        await settle(pilot)
        assert app.screen is screen
        said = str(screen.query_one("#status", Static).render())
        assert "未点款" in said and "F6" in said, said
        for i, d in enumerate(drivers):
            screen.query_one("#drivers").move_cursor(row=i)  # type: ignore[attr-defined]
            await pilot.press("f6")
            await settle(pilot)
            assert isinstance(app.screen, CashDialog)
            short = i == 0  # the first driver hands in 5 元 less, and says why
            await type_in(pilot, f"{d.expected - 5 if short else d.expected}")
            if short:  # a difference with no reason is not taken
                await type_in(pilot, "")
                assert isinstance(app.screen, CashDialog)
                error = str(app.screen.query_one("#cash-error", Static).render())
                assert "少 5.00" in error and "原因" in error, error
            await type_in(pilot, "少找零 5 元" if short else "")
            await settle(pilot)
        assert screen.report.cash_settled
        first = screen.report.drivers[0]
        assert first.difference == -5 and first.note == "少找零 5 元"
        copies = [m.number for m in screen.report.missing_copies]
        assert credit_no in copies
        screen.query_one("#copies").move_cursor(row=copies.index(credit_no))  # type: ignore[attr-defined]
        await pilot.press("f7")
        await settle(pilot)
        assert credit_no not in [m.number for m in screen.report.missing_copies]
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, ApprovalDialog)
        await type_in(pilot, "8001")
        await type_in(pilot, "8888")
        await settle(pilot)
        assert screen.report.closed
        status = str(screen.query_one("#status", Static).render())
        assert "已日结" in status and "已自动备份到" in status  # the close ran in a worker
        assert "账套 SC 还没日结" in status  # the 商超 ledger closes on its own
    with demo_db.read() as s:
        assert s.exec(select(DayClose).where(DayClose.business_date == date.today())).first()
        assert s.exec(select(ReturnCopy)).all()
    assert daily.report(demo_db, date.today()).closed


async def test_each_ledger_closes_on_its_own(demo_db: Database, clerk: UserInfo) -> None:
    """账套 SC (商超) is reported and closed from the 账套 field; KD stays open. At 80×24 the
    report takes the whole width (no figure wraps) with the tables under it."""
    sale = slips.SlipIn(
        customer="K0043", po_number="PO-1", lines=[slips.LineIn(product="YL0001", qty="2")]
    )
    number = slips.post(demo_db, sale, user=clerk).number
    app = KaidanApp(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_daily(pilot)
        assert screen.has_class("-narrow")
        assert screen.report is not None and screen.report.ledger == "KD"
        await pilot.press("shift+tab", "shift+tab")
        assert screen.focused is screen.query_one("#ledger")
        await type_in(pilot, "sc")
        await settle(pilot)
        assert screen.report.ledger == "SC"
        assert number in [m.number for m in screen.report.missing_copies]
        await pilot.press("f9")
        await settle(pilot)
        await type_in(pilot, "8001")
        await type_in(pilot, "8888")
        await settle(pilot)
        assert screen.report.closed and screen.report.ledger == "SC"
        status = str(screen.query_one("#status", Static).render())
        assert "SC" in status and "已日结" in status and "账套 KD 还没日结" in status
    assert daily.report(demo_db, date.today(), ledger="SC").closed
    assert not daily.report(demo_db, date.today()).closed
    assert daily.open_ledgers(demo_db, date.today()) == ["KD"]


async def test_a_worker_that_fails_says_so(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The F4 report's worker raising something unexpected: a message, not silence."""

    def broken(*_args: object, **_kw: object) -> None:
        raise RuntimeError("磁盘读错误")

    monkeypatch.setattr(daily, "report", broken)
    app = KaidanApp(demo_db)
    app.strict = False  # the error is the test's own: it is to be survived
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("f4")
        await settle(pilot)
        await pilot.pause(0.2)
        assert isinstance(app.screen, DailyScreen)
        said = [n.message for n in app._notifications]
        assert any(
            "读取日报出错了" in m and "磁盘读错误" in m and "kaidan-error.log" in m for m in said
        ), said


async def test_a_bad_date_or_ledger_keeps_the_cursor_there(demo_db: Database) -> None:
    """A retyped date went nowhere and the next Enter opened 点款: the field with the
    mistake keeps the cursor, and the message says what to type."""
    app = KaidanApp(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_daily(pilot)
        await pilot.press("shift+tab", "shift+tab")
        await type_in(pilot, "zz")
        await settle(pilot)
        assert screen.focused is screen.query_one("#ledger")
        said = str(screen.query_one("#status", Static).render())
        assert "没有账套「ZZ」" in said and "KD、SC" in said, said
        await pilot.press("shift+tab", "home", "ctrl+k")
        await type_in(pilot, "2026-13-01")
        await settle(pilot)
        assert screen.focused is screen.query_one("#day")
        assert "没有 13 月" in str(screen.query_one("#status", Static).render())
        assert not isinstance(app.screen, CashDialog)
        # a day typed as on the order screen: this month's 5th, written back in full
        await pilot.press("tab", "home", "ctrl+k", "shift+tab", "home", "ctrl+k")  # 账套 too
        await type_in(pilot, "5")
        await settle(pilot)
        day = clock.today().replace(day=5)
        assert screen.query_one("#day", Input).value == day.isoformat()
        assert screen.report is not None and screen.report.day == day
