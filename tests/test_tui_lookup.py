"""The lookup screen (F3) driven as a clerk would: find, view, reprint, void, reverse."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select
from textual.widgets import Static

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import PrintJob, Slip
from kaidan_tui.printing import config as printer_config
from kaidan_tui.services.users import UserInfo
from kaidan_tui.tui.app import KaidanApp
from kaidan_tui.tui.screens.dialogs import ApprovalDialog
from kaidan_tui.tui.screens.lookup import LookupScreen, ReasonDialog
from kaidan_tui.tui.screens.printing import PrintPreview
from tests.support.printer_bytes import decode
from tests.test_order_entry import login, settle, type_in


def app_for(db: Database, tmp_path: Path) -> KaidanApp:
    raw = {
        "printers": {"f": {"kind": "file", "path": str(tmp_path / "f.bin")}},
        "routing": {"sale": "f", "reversal": "f"},
    }
    return KaidanApp(db, printers=printer_config.parse(raw, source="t"))


def status(screen: LookupScreen) -> str:
    return str(screen.query_one("#status", Static).render())


def demo_db_slip_reversing(db: Database, slip_id: int | None) -> Slip:
    with db.read() as s:
        return s.exec(select(Slip).where(Slip.reverses_id == slip_id)).one()


def slip(db: Database, number: str) -> Slip:
    with db.read() as s:
        return s.exec(select(Slip).where(Slip.number == number)).one()


async def open_lookup(pilot: object, query: str) -> LookupScreen:
    await login(pilot)
    await pilot.press("f3")  # type: ignore[attr-defined]
    await settle(pilot)
    await type_in(pilot, query, enter=False)
    await settle(pilot)
    screen = pilot.app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, LookupScreen)
    return screen


async def test_find_by_pinyin_and_tail_view_and_reprint(demo_db: Database, tmp_path: Path) -> None:
    app = app_for(demo_db, tmp_path)
    async with app.run_test(size=(150, 45)) as pilot:
        screen = await open_lookup(pilot, "whqsf")  # 五华区顺发便利店 by pinyin initials
        assert [r.customer for r in screen.rows] and all(
            r.customer == "五华区顺发便利店" for r in screen.rows
        )
        assert "单号：XS20260001" in str(screen.query_one("#slip-text", Static).render())
        await pilot.press("home", "ctrl+k", *"0003")  # tail digits
        await settle(pilot)
        assert [r.number for r in screen.rows] == ["XS20260003"]
        await pilot.press("enter", "f10")
        await settle(pilot)
        assert isinstance(app.screen, PrintPreview)
        await pilot.press("escape", "f9")  # print: queued and sent
        await settle(pilot)
        await settle(pilot)
        assert "XS20260003 已送到" in status(screen), status(screen)  # not left at 待打印
        await pilot.press("f9")  # again: a 补打, listed in 打印记录 as one
        await settle(pilot)
        await settle(pilot)
        assert "XS20260003（补打 1） 已送到" in status(screen), status(screen)
        shown = str(screen.query_one("#slip-text", Static).render())
        assert "补打 1 已打印" in shown, shown
    text = decode((tmp_path / "f.bin").read_bytes(), "escp").text
    assert "单号：XS20260003" in text
    with demo_db.read() as s:
        jobs = s.exec(select(PrintJob)).all()
    assert [j.reprint_no for j in jobs] == [0, 1]  # the first print of a demo slip is no 补打


async def test_void_needs_a_supervisor_and_shows_everywhere(
    demo_db: Database, tmp_path: Path
) -> None:
    app = app_for(demo_db, tmp_path)
    async with app.run_test(size=(150, 45)) as pilot:
        screen = await open_lookup(pilot, "0002")
        assert screen.current() is not None and screen.current().number == "XS20260002"  # type: ignore[union-attr]
        await pilot.press("enter", "f8")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await type_in(pilot, "x")  # too short: asked again
        assert isinstance(app.screen, ReasonDialog)
        await type_in(pilot, "客户取消订单")
        assert isinstance(app.screen, ApprovalDialog)
        await type_in(pilot, "8001")
        await type_in(pilot, "0000")  # wrong PIN: refused, asked again
        assert isinstance(app.screen, ApprovalDialog)
        assert slip(demo_db, "XS20260002").status == "posted"
        await type_in(pilot, "8001")
        await type_in(pilot, "8888")
        await settle(pilot)
        assert slip(demo_db, "XS20260002").status == "void"
        assert "已作废 XS20260002" in status(screen)
        assert screen.rows[0].label == "XS20260002【作废】"
        assert "★ 作废 ★" in str(screen.query_one("#slip-text", Static).render())
        await pilot.press("f8")  # a void slip cannot be voided again
        await settle(pilot)
        assert "已作废，不能再处理" in status(screen)


async def test_reverse_from_lookup(demo_db: Database, tmp_path: Path) -> None:
    app = app_for(demo_db, tmp_path)
    async with app.run_test(size=(150, 45)) as pilot:
        screen = await open_lookup(pilot, "0004")
        await pilot.press("enter", "f6")
        await settle(pilot)
        await type_in(pilot, "客户整单退回")
        await type_in(pilot, "8001")
        await type_in(pilot, "8888")
        await settle(pilot)
        assert slip(demo_db, "XS20260004").status == "reversed"
        assert "冲红单 HC2026" in status(screen)
        await settle(pilot)
        await settle(pilot)
        said = status(screen)
    original = slip(demo_db, "XS20260004")
    red = demo_db_slip_reversing(demo_db, original.id)
    assert red.number is not None and f"冲红单 {red.number}，已送打印机 f" in said
    # The 红冲单 is paper like any slip: queued in the reversal's transaction, printed.
    with demo_db.read() as s:
        jobs = s.exec(select(PrintJob).where(PrintJob.slip_id == red.id)).all()
    assert [(j.printer, j.reprint_no) for j in jobs] == [("f", 0)]
    forms = decode((tmp_path / "f.bin").read_bytes(), "escp").chunks
    printed = [f.text for f in forms if f"单号：{red.number}" in f.text]
    assert len(printed) == 1, "the 红冲单 went to its printer once"
    rows = [r.strip() for r in printed[0].splitlines()]
    assert "冲 红 单" in rows
    assert "红冲原单：XS20260004" in rows
    total = next(r for r in rows if r.startswith("合计数量"))
    assert total.split("合计金额：")[1] == f"￥-{original.total_amount}"
    assert "备注：红冲 XS20260004：客户整单退回" in rows


async def test_return_against_and_copy_from_lookup(demo_db: Database, tmp_path: Path) -> None:
    from kaidan_tui.tui.screens.order_entry import OrderEntryScreen

    app = app_for(demo_db, tmp_path)
    async with app.run_test(size=(150, 45)) as pilot:
        await open_lookup(pilot, "XS20260001")
        await pilot.press("enter", "f7")
        await settle(pilot)
        entry = app.screen
        assert isinstance(entry, OrderEntryScreen)
        assert entry.slip_type.value == "return" and entry.against == "XS20260001"
        assert "原单 XS20260001" in entry.title
        assert [ln.product.code for ln in entry.lines] == ["YL0001", "YL0024", "YL0035", "LS0001"]
        entry.lines = entry.lines[:1]  # the customer brings back one product only
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        assert entry.last_posted is not None and entry.last_posted.number.startswith("TH")
        returned = slip(demo_db, entry.last_posted.number)
        assert returned.against_id == slip(demo_db, "XS20260001").id
        await pilot.press("f3")
        await settle(pilot)
        await type_in(pilot, "XS20260001", enter=False)
        await settle(pilot)
        await pilot.press("enter", "ctrl+o")  # copy to a new order
        await settle(pilot)
        assert isinstance(app.screen, OrderEntryScreen)
        assert app.screen.slip_type.value == "sale" and app.screen.against is None
        assert len(app.screen.lines) == 4


async def test_replace_from_lookup_reverses_and_reposts(demo_db: Database, tmp_path: Path) -> None:
    from kaidan_tui.tui.screens.order_entry import OrderEntryScreen

    app = app_for(demo_db, tmp_path)
    async with app.run_test(size=(150, 45)) as pilot:
        await open_lookup(pilot, "XS20260001")
        await pilot.press("enter", "f12")
        await settle(pilot)
        entry = app.screen
        assert isinstance(entry, OrderEntryScreen) and entry.replacing == "XS20260001"
        assert "改单（替换 XS20260001）" in entry.title
        entry.lines = entry.lines[:2]  # the corrected slip has two of the four lines
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press("enter")  # confirm
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await type_in(pilot, "客户只要两样")
        assert isinstance(app.screen, ApprovalDialog)
        await type_in(pilot, "8001")
        await type_in(pilot, "8888")
        await settle(pilot)
        assert entry.last_posted is not None
        new_number = entry.last_posted.number
    assert slip(demo_db, "XS20260001").status == "reversed"
    new = slip(demo_db, new_number)
    assert new.status == "posted" and new.line_count == 2
    assert "替换原单 XS20260001" in new.remarks


async def test_closed_day_is_reversed_not_voided(
    demo_db: Database, tmp_path: Path, clerk: UserInfo, supervisor: UserInfo
) -> None:
    from tests.test_lifecycle import yesterdays_sale

    number = yesterdays_sale(demo_db, clerk, supervisor)
    app = app_for(demo_db, tmp_path)
    async with app.run_test(size=(150, 45)) as pilot:
        screen = await open_lookup(pilot, number)
        await pilot.press("enter", "f8")
        await settle(pilot)
        await type_in(pilot, "客户取消")
        await type_in(pilot, "8001")
        await type_in(pilot, "8888")
        await settle(pilot)
        assert "已日结" in status(screen) and "红冲" in status(screen)
        assert slip(demo_db, number).status == "posted"
        await pilot.press("f6")
        await settle(pilot)
        await type_in(pilot, "客户取消")
        await type_in(pilot, "8001")
        await type_in(pilot, "8888")
        await settle(pilot)
        assert slip(demo_db, number).status == "reversed"


async def test_return_of_a_discounted_slip_shows_what_was_paid(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo, tmp_path: Path
) -> None:
    """F7 on a 95折 slip: the lines come at the paid price and the panel's 退款合计 is
    what the customer paid (it showed the list amount before, docs/money.md rule 2)."""
    from kaidan_tui.tui.screens.order_entry import OrderEntryScreen
    from tests.test_money_rules import sale_514

    number = sale_514(demo_db, clerk, supervisor)
    app = app_for(demo_db, tmp_path)
    async with app.run_test(size=(150, 45)) as pilot:
        await open_lookup(pilot, number)
        await pilot.press("enter", "f7")
        await settle(pilot)
        entry = app.screen
        assert isinstance(entry, OrderEntryScreen)
        assert [str(ln.price) for ln in entry.lines] == ["47.50", "38.00", "13.30"]
        await pilot.press("f9")
        await settle(pilot)
        panel = "".join(str(w.render()) for w in app.screen.query(Static))
        assert "退款合计：￥488.30" in panel and "514" not in panel
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        assert entry.last_posted is not None
        assert str(slip(demo_db, entry.last_posted.number).total_amount) == "488.30"


async def test_slip_panel_at_80x24_keeps_every_figure(demo_db: Database, tmp_path: Path) -> None:
    """A dot-matrix form (wider than the side panel) is laid out again as a 32-column
    roll: each line's quantity, price and amount and the total are all on screen."""
    from rich.cells import cell_len

    from kaidan_tui.db.models import SlipLine

    app = app_for(demo_db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lookup(pilot, "")
        assert screen.has_class("-narrow")
        number = screen.rows[0].number
        text = str(screen.query_one("#slip-text", Static).render())
        view_box = screen.query_one("#slip-view")
        panel = view_box.content_size.width - view_box.styles.scrollbar_size_vertical
    assert f"单号：{number}" in text and "合计金额" in text and "F10" in text
    slip_lines = text.split("\n打印记录", 1)[0].splitlines()
    assert max(cell_len(line) for line in slip_lines) <= panel
    row = slip(demo_db, number)
    with demo_db.read() as s:
        lines = s.exec(select(SlipLine).where(SlipLine.slip_id == row.id)).all()
    assert lines
    for ln in lines:
        assert f"× {ln.price} = {ln.amount}" in text, ln.code
    assert f"￥{row.total_amount}" in text
