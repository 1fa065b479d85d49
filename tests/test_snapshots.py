"""A few SVG snapshots guard the layout of the main screens (pytest-textual-snapshot).

Regenerate after an intended change with ``pytest tests/test_snapshots.py
--snapshot-update`` and review the SVGs. The data is chosen so nothing depends on the
day: customer K0002 has no purchase history in the demo store.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from kaidan_tui.db.engine import Database
from kaidan_tui.tui.app import KaidanApp
from tests.test_order_entry import add_line, login, settle, type_in

SIZE = (130, 40)


async def steady(pilot: Any) -> None:
    """No blinking cursor: a snapshot must not depend on when it is taken."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await settle(pilot)


def test_login_screen(snap_compare: Any, demo_db: Database) -> None:
    assert snap_compare(KaidanApp(demo_db), terminal_size=SIZE, run_before=steady)


def test_order_entry_with_two_lines(snap_compare: Any, demo_db: Database) -> None:
    async def fill(pilot: Any) -> None:
        await login(pilot)
        await type_in(pilot, "K0002")
        await add_line(pilot, "YL0001", "3")
        await add_line(pilot, "LS0001", "2")
        await type_in(pilot, "YL0024", enter=False)  # the match list is open
        await steady(pilot)

    assert snap_compare(KaidanApp(demo_db), terminal_size=SIZE, run_before=fill)


def test_confirm_panel(snap_compare: Any, demo_db: Database) -> None:
    async def confirm(pilot: Any) -> None:
        await login(pilot)
        await type_in(pilot, "K0002")
        await add_line(pilot, "YL0001", "3")
        await pilot.press("enter", "f9")
        await steady(pilot)

    assert snap_compare(KaidanApp(demo_db), terminal_size=SIZE, run_before=confirm)
