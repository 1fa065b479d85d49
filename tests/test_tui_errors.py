"""No exception ends the app (issue 21): an error in an action, a palette command, a
message handler or a worker is logged to kaidan-error.log, said in Chinese, and the
order stays on screen. Only an error Textual cannot go on from ends the app, and then
the order is held first and the exit code is 1."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.widgets import Input

from kaidan_tui.db.engine import Database
from kaidan_tui.services import quotes, slips
from kaidan_tui.tui.app import KaidanApp
from kaidan_tui.tui.screens.order_entry import OrderEntryScreen
from tests.test_order_entry import add_line, login, message, settle, type_in


def error_log() -> str:
    path = Path(os.environ["XDG_DATA_HOME"]) / "kaidan" / "kaidan-error.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def notices(app: KaidanApp) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


def lenient(app: KaidanApp) -> KaidanApp:
    app.strict = False  # this test is about surviving the error, not failing on it
    return app


class Boom(RuntimeError):
    pass


def boom(*_: Any, **__: Any) -> None:
    raise Boom("模拟的程序错误")


async def _order(pilot: Any) -> OrderEntryScreen:
    screen = await login(pilot)
    await type_in(pilot, "K0001")
    await add_line(pilot, "YL0001", "3")
    await add_line(pilot, "YL0024", "2")
    return screen


async def test_an_action_that_raises_is_reported_and_the_order_stays(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(OrderEntryScreen, "action_hold", boom)
    app = lenient(KaidanApp(demo_db))
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await _order(pilot)
        await pilot.press("f8")
        await settle(pilot)
        assert app.is_running and app.screen is screen
        assert [ln.product.code for ln in screen.lines] == ["YL0001", "YL0024"]
        said = notices(app)
        assert "挂单出错了" in said and "Boom" in said and "kaidan-error.log" in said
        assert "已录入的内容都在" in said
        # the clerk goes on: one more line, then F9 works as before
        await add_line(pilot, "YL0001", "1")
        assert len(screen.lines) == 3
    log = error_log()
    assert "Traceback" in log and "Boom: 模拟的程序错误" in log and "--- 挂单" in log


async def test_a_palette_command_that_raises_is_reported(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(OrderEntryScreen, "action_preview", boom)
    app = lenient(KaidanApp(demo_db))
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await _order(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"打印预览")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running and app.screen is screen
        assert len(screen.lines) == 2
        assert "打印预览出错了" in notices(app)
    assert "Boom" in error_log()


async def test_a_message_handler_that_raises_is_reported(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A handler of the screen (not an action) raising used to stop the screen's message
    loop, and with it the app."""
    app = lenient(KaidanApp(demo_db))
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await _order(pilot)
        monkeypatch.setattr(OrderEntryScreen, "on_input_changed", boom, raising=False)
        await pilot.press("ctrl+l")  # to the customer field
        await pilot.press("x")  # Input.Changed reaches the screen's handler: it raises
        await settle(pilot)
        assert app.is_running and app.screen is screen
        assert "出错了" in notices(app)
        monkeypatch.undo()
        await pilot.press("f8")  # the screen still answers keys: the order is held
        await settle(pilot)
        assert screen.lines == [] and "已挂单" in message(screen)


async def test_a_worker_that_raises_is_reported_on_the_status_line(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = lenient(KaidanApp(demo_db))
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await _order(pilot)
        monkeypatch.setattr(quotes, "check", boom)
        await add_line(pilot, "YL0001", "1")  # the live check runs in a worker: it raises
        await settle(pilot)
        assert app.is_running
        said = message(screen)
        assert "检查单据失败" not in said  # one wording, the app's
        assert "检查单据出错了" in said and "kaidan-error.log" in said
        assert len(screen.lines) == 3
    assert "Boom" in error_log()


async def test_the_focus_keys_of_the_issue_no_longer_crash(demo_db: Database) -> None:
    """Ctrl+P → 结算 → Enter, and the settlement key with focus on the lines table, ended
    the app with InvalidQueryFormat (``focus('settlement')``)."""
    app = KaidanApp(demo_db)  # strict: any error here fails the test
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await _order(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"表头")  # Ctrl+S: to the header (结算 first)
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.focused is screen.query_one("#settlement", Input)
        screen.set_focus(screen.query_one("#lines"))
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert screen.focused is screen.query_one("#remarks", Input)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert screen.focused is screen.query_one("#customer", Input)


async def test_an_error_textual_cannot_survive_holds_the_order_and_exits_1(
    demo_db: Database,
) -> None:
    app = KaidanApp(demo_db)
    with pytest.raises(Boom):  # under pilot the test sees the error; a clerk does not
        async with app.run_test(size=(140, 45)) as pilot:
            screen = await _order(pilot)
            app._handle_exception(Boom("致命"))
            await pilot.pause(0.3)
            assert screen.lines == []  # held, not lost
    assert app.return_code == 1
    [held] = slips.list_held(demo_db)
    assert held.lines == 2
    assert "--- 程序出错退出" in error_log()
