"""The app driven by Pilot: login and live search, asserting on state."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Static

from kaidan_tui.db.engine import Database
from kaidan_tui.tui.app import KaidanApp
from kaidan_tui.tui.screens.catalog import CatalogScreen
from kaidan_tui.tui.screens.login import LoginScreen


async def _login(pilot, code: str, pin: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(*code, "enter", *pin, "enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_wrong_pin_then_login_and_pinyin_search(demo_db: Database) -> None:
    app = KaidanApp(demo_db)
    async with app.run_test(size=(120, 36)) as pilot:
        assert isinstance(app.screen, LoginScreen)
        await _login(pilot, "1001", "9999")
        assert isinstance(app.screen, LoginScreen)
        assert "PIN 错误" in str(app.screen.query_one("#login-error", Static).render())
        assert app.screen.query_one("#code", Input).value == "1001"  # nothing typed is lost
        await pilot.press(*"1234", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.user is not None and app.user.code == "1001"
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, CatalogScreen)
        await pilot.press(*"kkkl")
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one("#results", DataTable)
        names = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert names and all(n.startswith("可口可乐") for n in names)
        await pilot.press("f6")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("escape", *"K0001")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert str(table.get_row_at(0)[0]) == "K0001"


async def test_markup_in_names_is_shown_as_text(demo_db: Database) -> None:
    from sqlmodel import select

    from kaidan_tui.db.models import Product

    with demo_db.write() as s:
        p = s.exec(select(Product).where(Product.code == "YL0001")).one()
        p.name = "测试[/]坏名[b]粗\x1b[31m"
        s.add(p)
    app = KaidanApp(demo_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await _login(pilot, "[/]", "1")  # markup in the code field: a message, no crash
        assert "[/]" in str(app.screen.query_one("#login-error", Static).render())
        await pilot.press("home", "ctrl+k", *"1001", "enter", *"1234", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("f5")
        await pilot.pause()
        await pilot.press(*"YL0001")
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one("#results", DataTable)
        assert str(table.get_row_at(0)[1]) == "测试[/]坏名[b]粗[31m"  # ESC removed on save
