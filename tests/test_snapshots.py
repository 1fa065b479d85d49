"""A few SVG snapshots guard the layout of the main screens (pytest-textual-snapshot).

Regenerate after an intended change with ``pytest tests/test_snapshots.py
--snapshot-update`` and review the SVGs. The data is chosen so nothing depends on the
day: customer K0002 has no purchase history in the demo store, and the clock is set to
2026-12-05 (the header's date field shows it).

Every working screen is also taken at 80×24 (the smallest supported terminal: columns
give way in a set order, 数量/单价/金额 never), 120×35 and 160×50.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input

from kaidan_tui.db.engine import Database
from kaidan_tui.domain import clock
from kaidan_tui.services.setup import load_demo
from kaidan_tui.tui.app import KaidanApp
from tests.test_order_entry import add_line, login, settle, type_in

SIZE = (130, 40)
SIZES = [(80, 24), (120, 35), (160, 50)]


DAY = date(2026, 12, 5)


@pytest.fixture(autouse=True)
def _fixed_day() -> Iterator[None]:
    with clock.travel(DAY):
        yield


@pytest.fixture(scope="module")
def day_template(tmp_path_factory: pytest.TempPathFactory, _pepper_file: Path) -> Path:
    """The demo store built on DAY (its slips are that day's, whatever day the tests
    run): the session's template is built on the real day, by whichever test asks first."""
    path = tmp_path_factory.mktemp("snapshots") / "demo.db"
    with clock.travel(DAY):
        db = Database.open(str(path))
        load_demo(db)
        db.dispose()
    return path


@pytest.fixture
def demo_db(day_template: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "demo.db"
    shutil.copy(day_template, path)
    db = Database.open(str(path))
    yield db
    db.dispose()


async def steady(pilot: Any) -> None:
    """No blinking cursor: a snapshot must not depend on when it is taken."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await settle(pilot)
    # The daily report is read by a worker: wait for it to be on screen. A DataTable
    # filled then sizes its columns when it is next idle: wait for that too, or the
    # snapshot catches columns as wide as their headers (daily, 160×50).
    for _ in range(100):
        if getattr(pilot.app.screen, "report", True) is not None:
            break
        await pilot.pause(0.02)
    await settle(pilot)
    for _ in range(100):
        tables = list(pilot.app.screen.query(DataTable))
        if not any(t._require_update_dimensions or t._new_rows for t in tables):
            break
        await pilot.pause(0.02)
    await pilot.pause(0.3)
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


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_order_entry_at_each_size(
    snap_compare: Any, demo_db: Database, size: tuple[int, int]
) -> None:
    """A 地州 customer (the freight row shown), two lines and the match list open."""

    async def fill(pilot: Any) -> None:
        await login(pilot)
        await type_in(pilot, "K0032")
        await add_line(pilot, "YL0001", "3")
        await add_line(pilot, "LS0001", "2")
        await type_in(pilot, "YL00", enter=False)
        await steady(pilot)

    assert snap_compare(KaidanApp(demo_db), terminal_size=size, run_before=fill)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("key", ["f3", "f4", "f5"], ids=["lookup", "daily", "catalog"])
def test_working_screens_at_each_size(
    snap_compare: Any, demo_db: Database, size: tuple[int, int], key: str
) -> None:
    async def open_screen(pilot: Any) -> None:
        await login(pilot)
        await pilot.press(key)
        await steady(pilot)

    assert snap_compare(KaidanApp(demo_db), terminal_size=size, run_before=open_screen)


def test_too_small_notice(snap_compare: Any, demo_db: Database) -> None:
    assert snap_compare(KaidanApp(demo_db), terminal_size=(70, 20), run_before=steady)
