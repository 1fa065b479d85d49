"""Printing from the order-entry screen: queued with the slip, banner, retry, 补打."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select
from textual.widgets import Static

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import PrintJob
from kaidan_tui.printing import config as printer_config
from kaidan_tui.printing.config import PrintersConfig
from kaidan_tui.tui.app import KaidanApp
from kaidan_tui.tui.screens.order_entry import OrderEntryScreen
from kaidan_tui.tui.screens.printing import PrintBanner, PrintPreview, PrintSent, UncertainPrint
from tests.support.fake_printer import FakePrinter
from tests.support.printer_bytes import decode
from tests.test_order_entry import add_line, confirming, login, message, settle, type_in


def config(port: int) -> PrintersConfig:
    raw = {
        "printers": {
            "lq": {
                "kind": "tcp",
                "host": "127.0.0.1",
                "port": port,
                "timeout": 2,
                "label": "柜台针式",
            }
        },
        "routing": {"sale": "lq"},
    }
    return printer_config.parse(raw, source="test.toml")


def banner(app: KaidanApp) -> str:
    widget = app.screen.query_one(PrintBanner)
    return str(widget.render()) if widget.has_class("-show") else ""


def jobs(db: Database) -> list[PrintJob]:
    with db.read() as s:
        return list(s.exec(select(PrintJob)).all())


async def order_and_post(pilot: object) -> None:
    await type_in(pilot, "K0001")
    await add_line(pilot, "YL0001", "2")
    await pilot.press("enter", "f9")  # type: ignore[attr-defined]
    await settle(pilot)
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(pilot)
    await settle(pilot)


async def test_offline_printer_shows_banner_and_retry_prints(demo_db: Database) -> None:
    printer = FakePrinter()
    printer.start()
    port = printer.port
    printer.stop()
    app = KaidanApp(demo_db, printers=config(port))
    async with app.run_test(size=(130, 40)) as pilot:
        await login(pilot)
        await order_and_post(pilot)
        [job] = jobs(demo_db)
        assert job.status == "pending" and job.printer == "lq"
        text = banner(app)
        assert "1 张单待打印" in text and "打印机 柜台针式：连不上" in text and "Ctrl+R" in text
        printer.start()  # the clerk switches the printer on and presses Ctrl+R
        try:
            await pilot.press("ctrl+r")
            await settle(pilot)
            await settle(pilot)
        finally:
            printer.stop()
        assert banner(app) == ""
        assert [j.status for j in jobs(demo_db)] == ["sent"]
        [data] = printer.jobs
        assert "单号：XS20260005" in decode(data, "escp").text
        # Said on the line that announced the slip, not in a toast...
        screen = app.screen
        assert isinstance(screen, OrderEntryScreen)
        assert "已过账 XS20260005" in message(screen) and "已送到 柜台针式" in message(screen)
        assert not any("已送到" in n.message for n in app._notifications)
        # ...while that line still says so; once the clerk has moved on, nothing (no
        # toast on the order screen); elsewhere the app shows it.
        screen.post_message(PrintSent("XS20260004", "lq", 1))
        await settle(pilot)
        assert "XS20260004" not in message(screen)
        assert not any("XS20260004" in n.message for n in app._notifications)
        await pilot.press("f3")
        await settle(pilot)
        assert not isinstance(app.screen, OrderEntryScreen)
        app.screen.post_message(PrintSent("XS20260004", "lq", 1))
        await settle(pilot)
        assert "XS20260004（补打 1） 已送到 lq" in [n.message for n in app._notifications]


async def test_dropped_job_asks_and_reprints_as_buda(demo_db: Database) -> None:
    printer = FakePrinter()
    printer.mode = "drop"
    printer.start()
    app = KaidanApp(demo_db, printers=config(printer.port))
    try:
        async with app.run_test(size=(130, 40)) as pilot:
            await login(pilot)
            await order_and_post(pilot)
            await settle(pilot)
            assert "不确定是否打出" in banner(app) and "Ctrl+R" in banner(app)
            assert not isinstance(app.screen, UncertainPrint)  # never pops up by itself
            await pilot.press(*"yl0001")  # typing on does not answer anything
            await settle(pilot)
            assert [j.status for j in jobs(demo_db)] == ["uncertain"]
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert isinstance(app.screen, UncertainPrint)
            assert "XS20260005" in str(app.screen.query_one(Static).render())
            await pilot.press("y", "n")  # plain letters answer nothing
            assert isinstance(app.screen, UncertainPrint)
            printer.mode = "accept"
            await pilot.press("ctrl+n")  # not printed: a 补打 copy
            await settle(pilot)
            await settle(pilot)
            statuses = sorted((j.status, j.reprint_no) for j in jobs(demo_db))
            assert statuses == [("replaced", 0), ("sent", 1)]
            [copy] = printer.jobs
            assert "补打 1" in decode(copy, "escp").text
    finally:
        printer.stop()


async def test_preview_from_confirm_and_after_posting(demo_db: Database, tmp_path: Path) -> None:
    raw = {
        "printers": {"f": {"kind": "file", "path": str(tmp_path / "f.bin"), "columns": 80}},
        "routing": {"sale": "f"},
    }
    app = KaidanApp(demo_db, printers=printer_config.parse(raw, source="t"))
    async with app.run_test(size=(130, 40)) as pilot:
        await login(pilot)
        await type_in(pilot, "K0001")
        await add_line(pilot, "YL0001", "2")
        await pilot.press("enter", "f9")
        await settle(pilot)
        assert confirming(app) is not None
        await pilot.press("P")  # Caps Lock on, as for typing codes
        await settle(pilot)
        assert isinstance(app.screen, PrintPreview)
        body = str(app.screen.query_one("#preview-body", Static).render())
        assert "（过账后取号）" in body and "YL0001" in body and "大写金额：" in body
        await pilot.press("escape")
        await settle(pilot)
        assert confirming(app) is not None  # back where the clerk was
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        await pilot.press("f10")  # nothing typed: the slip just posted
        await settle(pilot)
        assert isinstance(app.screen, PrintPreview)
        body = str(app.screen.query_one("#preview-body", Static).render())
        assert "单号：XS20260005" in body
    assert "单号：XS20260005" in decode((tmp_path / "f.bin").read_bytes(), "escp").text
