"""The command palette lists every action of the screen by its Chinese name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from textual.command import CommandPalette
from textual.widgets import Input

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Slip
from kaidan_tui.tui.app import KaidanApp
from kaidan_tui.tui.widgets.keyhelp import KeysHelp
from tests.test_order_entry import add_line, login, settle, type_in


async def test_palette_lists_screen_actions_and_runs_them(demo_db: Database) -> None:
    app = KaidanApp(demo_db)
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await login(pilot)
        titles = {c.title for c in app.get_system_commands(screen)}
        for name in (
            "过账打印（F9）",
            "挂单（F8）",
            "调挂单（F7）",
            "打印预览（F10）",
            "重试打印（Ctrl+R）",
            "删行（Ctrl+X）",
        ):
            assert name in titles, (name, titles)
        await type_in(pilot, "K0001")
        await add_line(pilot, "YL0001", "3")
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        assert "操作名称" in app.screen.query_one(Input).placeholder  # not "Search for…"
        await pilot.press(*"挂单")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        with demo_db.read() as s:
            held = s.exec(select(Slip).where(Slip.status == "held")).all()
        assert [h.cust_code for h in held] == ["K0001"]


async def test_screenshot_goes_to_a_folder_that_exists(
    demo_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual's default, ~/Downloads, is missing on many counter PCs: 截图 failed."""
    monkeypatch.setenv("HOME", str(tmp_path))
    app = KaidanApp(demo_db)
    async with app.run_test(size=(130, 40)) as pilot:
        await login(pilot)
        app.save_screen()
        await settle(pilot)
        [saved] = (tmp_path / "kaidan截图").glob("*.svg")
        assert "开单" in saved.read_text(encoding="utf-8")
        assert any(str(saved) in n.message for n in app._notifications)


async def open_help(pilot: Any) -> KeysHelp:
    """F1 on the screen shown: its one key panel."""
    await pilot.press("f1")
    await settle(pilot)
    [panel] = pilot.app.screen.query(KeysHelp)
    return panel


async def test_f1_lists_this_screens_keys_in_chinese(demo_db: Database) -> None:
    """Textual's panel listed the field's editing keys first, in English."""
    app = KaidanApp(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await login(pilot)
        panel = await open_help(pilot)
        text = "\n".join(str(s.render()) for s in panel.query("Static"))
        for word in ("开单的按键", "F9", "过账打印", "Ctrl+F", "换价", "任何界面", "F3", "查询"):
            assert word in text, (word, text)
        for english in ("Scroll", "cursor", "Move", "Delete", "Submit"):
            assert english not in text, (english, text)
        assert text.index("过账打印") < text.index("任何界面")  # the screen's own keys first
        await pilot.press("f1")
        await settle(pilot)
        assert not screen.query(KeysHelp)


async def test_f1_at_80x24_takes_the_width_and_wraps_nothing_mid_key(demo_db: Database) -> None:
    """Narrow: the panel is the whole screen; a key's note that fits is on its row, a
    longer one wraps under it, indented, never past the panel's edge."""
    from rich.cells import cell_len

    app = KaidanApp(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        panel = await open_help(pilot)
        assert panel.outer_size.width == 80
        text = "\n".join(str(s.render()) for s in panel.query("Static"))
        room = panel.scrollable_content_region.width
    rows = text.splitlines()
    assert max(cell_len(r) for r in rows) <= room
    assert any(r.startswith("F9") and "确认并过账（取得单号）" in r for r in rows), rows
    note = next(i for i, r in enumerate(rows) if r.startswith("Ctrl+S"))
    assert rows[note + 1].startswith(" " * 10) and rows[note + 2].startswith(" " * 10)


async def test_the_palette_says_no_match_in_chinese(demo_db: Database) -> None:
    from textual.command import CommandList

    from kaidan_tui.tui.widgets.palette import NO_MATCHES

    app = KaidanApp(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await login(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"zzqx")
        await pilot.pause(1.5)  # Textual waits a moment before saying nothing matched
        options = app.screen.query_one(CommandList)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any(NO_MATCHES in s for s in shown), shown
        assert not any("No matches" in s for s in shown)
