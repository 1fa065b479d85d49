"""Counter settings (kaidan settings), scanner behaviour, and moving keys (keymap.toml)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kaidan_tui.db.engine import Database
from kaidan_tui.domain.errors import PermissionDenied
from kaidan_tui.services import settings
from kaidan_tui.services.users import get_user
from kaidan_tui.tui.app import KaidanApp
from tests.support.cli import kaidan
from tests.test_order_entry import add_line, confirming, login, settle, type_in

BARCODE = "6951209005416"  # YL0001 可口可乐 330ml听装


def test_settings_cli_checks_before_saving(store: str) -> None:
    boss = ("--supervisor", "8001", "--pin-stdin", "--db", store)
    out = kaidan("settings", "set", "scan_focus", "qty", *boss, stdin="8888\n")
    assert out.returncode == 0 and out.stdout.strip() == "scan_focus = qty"
    out = kaidan("settings", "set", "price_order", "agreed,last", *boss, stdin="8888\n")
    assert out.stdout.strip() == "price_order = agreed,last,list"  # list is always last
    out = kaidan("settings", "set", "stock_policy", "maybe", *boss, stdin="8888\n")
    assert out.returncode == 2 and "只能是 warn 或 block" in out.stderr
    out = kaidan("settings", "set", "colour", "red", *boss, stdin="8888\n")
    assert out.returncode == 2 and "没有设置项「colour」" in out.stderr
    out = kaidan("settings", "list", "--db", store)
    assert "scan_focus\tqty" in out.stdout and "stock_policy\twarn" in out.stdout


def test_a_clerk_cannot_change_settings(store: str, demo_db: Database) -> None:
    """A clerk could otherwise raise free_discount or relax stock_policy to skip approvals."""
    out = kaidan("settings", "set", "stock_policy", "warn", "--supervisor", "1001",
                 "--pin-stdin", "--db", store, stdin="1234\n")  # fmt: skip
    assert out.returncode != 0 and "主管" in out.stderr and "Traceback" not in out.stderr
    out = kaidan("settings", "set", "free_discount", "50", "--supervisor", "8001",
                 "--pin-stdin", "--db", store, stdin="0000\n")  # fmt: skip
    assert out.returncode != 0 and "PIN" in out.stderr
    with demo_db.write() as s:
        clerk = get_user(s, "1001")
        with pytest.raises(PermissionDenied):
            settings.change(s, "free_discount", "50", approver=clerk)


async def test_a_scan_is_a_whole_line(demo_db: Database) -> None:
    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0001")
        await type_in(pilot, BARCODE)  # digits + Enter, as a scanner sends them
        await type_in(pilot, BARCODE)
        assert [(ln.product.code, ln.qty) for ln in screen.lines] == [("YL0001", 1)] * 2
        assert app.focused is not None and app.focused.id == "product"


async def test_scan_can_stop_on_the_quantity(demo_db: Database) -> None:
    with demo_db.write() as s:
        settings.change(s, settings.SCAN_FOCUS, "qty", approver=get_user(s, "8001"))
    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0001")
        await type_in(pilot, BARCODE)
        assert screen.lines == []
        assert app.focused is not None and app.focused.id == "qty"
        await pilot.press("2", "4", "enter", "enter")  # typing replaces the preselected 1
        await settle(pilot)
        assert [(ln.product.code, ln.qty) for ln in screen.lines] == [("YL0001", 24)]


async def test_keys_can_be_moved(demo_db: Database, tmp_path: Path) -> None:
    keymap = Path(os.environ["XDG_CONFIG_HOME"]) / "kaidan" / "keymap.toml"
    keymap.parent.mkdir(parents=True, exist_ok=True)
    keymap.write_text('[keys]\n"order.post" = "f12"\n', encoding="utf-8")
    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        await login(pilot)
        await type_in(pilot, "K0001")
        await add_line(pilot, "YL0001", "2")
        await pilot.press("enter", "f9")  # no longer the post key
        await settle(pilot)
        assert confirming(app) is None
        await pilot.press("f12")
        await settle(pilot)
        assert confirming(app) is not None


def test_keys_lists_every_binding_and_bad_keymaps_are_refused(tmp_path: Path) -> None:
    out = kaidan("keys")
    assert "order.post\tf9\t开单：过账打印" in out.stdout
    from kaidan_tui.domain.errors import InputError
    from kaidan_tui.tui.keymap import load_keymap

    bad = tmp_path / "keymap.toml"
    bad.write_text('[keys]\n"order.fly" = "f12"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"没有操作「order\.fly」"):
        load_keymap({"order.post"}, bad)
