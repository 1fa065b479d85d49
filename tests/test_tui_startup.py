"""Cold start: the login screen is up before the store; what the clerk types is kept."""

from __future__ import annotations

import time
from pathlib import Path

from textual.widgets import Static

from kaidan_tui.db.engine import Database
from kaidan_tui.tui.app import KaidanApp
from kaidan_tui.tui.screens.login import LoginScreen
from kaidan_tui.tui.screens.order_entry import OrderEntryScreen
from kaidan_tui.tui.widgets.keybar import KeyBar
from tests.test_order_entry import settle


async def test_login_typed_before_the_store_is_open(demo_db: Database) -> None:
    def slow_open() -> Database:
        time.sleep(0.5)  # the store is still opening while the clerk types
        return demo_db

    app = KaidanApp(slow_open)
    async with app.run_test(size=(130, 40)) as pilot:
        assert isinstance(app.screen, LoginScreen)
        await pilot.press(*"1001", "enter", *"1234", "enter")
        await settle(pilot)
        await pilot.pause(0.6)
        await settle(pilot)
        assert isinstance(app.screen, OrderEntryScreen)
        bar = str(app.screen.query_one(KeyBar).render())
        assert "F9 过账打印" in bar and "F1 全部按键" in bar and "^P 命令" in bar


async def test_a_store_that_cannot_open_is_explained(tmp_path: Path) -> None:
    from kaidan_tui.domain.errors import StateError

    def broken() -> Database:
        raise StateError("数据库尚未初始化。请先运行：kaidan init")

    app = KaidanApp(broken)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        await pilot.pause(0.2)
        message = str(app.screen.query_one("#login-error", Static).render())
        assert "数据库尚未初始化" in message and "Ctrl+Q" in message
        await pilot.press(*"1001", "enter", *"1234", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)  # no way in, no traceback
