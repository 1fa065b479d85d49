"""Order entry driven as a clerk would, through Pilot; assertions on the saved rows."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import col, select
from textual import events
from textual.widgets import Input, OptionList, Static
from textual.worker import WorkerCancelled

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Slip, SlipLine
from kaidan_tui.tui.app import KaidanApp
from kaidan_tui.tui.screens.dialogs import ApprovalDialog, ConfirmPost, HeldOrders
from kaidan_tui.tui.screens.order_entry import OrderEntryScreen, split_code_qty

D = Decimal


async def settle(pilot: Any) -> None:
    """Wait until every worker is done (a lookup superseded by a newer keystroke is
    cancelled on purpose: that is not a failure)."""
    for _ in range(2):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def login(pilot: Any, code: str = "1001", pin: str = "1234") -> OrderEntryScreen:
    await pilot.press(*code, "enter", *pin, "enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, OrderEntryScreen)
    return screen


async def type_in(pilot: Any, text: str, *, enter: bool = True) -> None:
    await pilot.press(*text)
    await settle(pilot)
    if enter:
        await pilot.press("enter")
        await settle(pilot)


async def add_line(pilot: Any, product: str, qty: str, price: str | None = None) -> None:
    await type_in(pilot, product)
    await type_in(pilot, qty)
    if price is not None:
        await type_in(pilot, price)
    else:
        await pilot.press("enter")
        await settle(pilot)


async def with_a_line(pilot: Any, qty: str = "2") -> OrderEntryScreen:
    """Logged in, K0001 with YL0001 × qty on screen."""
    screen = await login(pilot)
    await type_in(pilot, "K0001")
    await add_line(pilot, "YL0001", qty)
    return screen


async def to_confirm(pilot: Any, qty: str = "2") -> OrderEntryScreen:
    """Logged in, K0001 with YL0001 × qty, and F9: the confirm panel is up."""
    screen = await with_a_line(pilot, qty)
    await pilot.press("f9")
    await settle(pilot)
    return screen


def confirming(app: KaidanApp) -> ConfirmPost | None:
    """The confirm panel, when it is up (as F9 leaves it)."""
    return app.screen if isinstance(app.screen, ConfirmPost) else None


def panel_text(app: KaidanApp) -> str:
    panel = confirming(app)
    assert panel is not None, "the confirm panel is not up"
    return str(panel.query_one("#confirm-body", Static).render())


def slow_posts(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, list[str]]:
    """Every post waits until the returned event is set (10 s at most), and is counted."""
    from kaidan_tui.services import slips as slip_service

    release = threading.Event()
    calls: list[str] = []
    real_post = slip_service.post

    def slow_post(*args: Any, **kwargs: Any) -> Any:
        calls.append("post")
        release.wait(10)
        return real_post(*args, **kwargs)

    monkeypatch.setattr(slip_service, "post", slow_post)
    return release, calls


def message(screen: OrderEntryScreen) -> str:
    return str(screen.query_one("#editor-msg", Static).render())


def posted(db: Database) -> list[Slip]:
    with db.read() as s:
        return list(
            s.exec(select(Slip).where(Slip.status == "posted").order_by(col(Slip.id))).all()
        )


def lines_of(db: Database, slip_id: int | None) -> list[SlipLine]:
    with db.read() as s:
        return list(
            s.exec(
                select(SlipLine).where(SlipLine.slip_id == slip_id).order_by(col(SlipLine.line_no))
            ).all()
        )


def test_split_code_qty() -> None:
    assert split_code_qty("ZT001*12") == ("ZT001", "12")
    assert split_code_qty("zt001＊3") == ("zt001", "3")
    assert split_code_qty("kkkl") == ("kkkl", None)


async def test_five_line_credit_sale_with_pinyin(demo_db: Database) -> None:
    before = len(posted(demo_db))
    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0015")  # a 月结 customer
        assert screen.customer is not None and screen.customer.settlement == "月结"
        assert screen.query_one("#settlement", Input).value == "月结"
        assert "信用额度" in str(screen.query_one("#credit-banner", Static).render())
        await add_line(pilot, "kkkl330ml", "3")  # pinyin initials, policy price accepted
        await type_in(pilot, "YL0024*2")  # code*qty: straight to the price
        assert screen.focused is screen.query_one("#price", Input)
        await pilot.press("enter")
        await settle(pilot)
        await add_line(pilot, "LS0001", "4")
        await add_line(pilot, "RH0013", "1")
        await add_line(pilot, "YL0035", "2")
        assert len(screen.lines) == 5
        assert screen.lines[1].qty == D("2")
        await pilot.press("f9")
        await settle(pilot)
        text = panel_text(app)
        assert "结算：月结" in text and "行数：5" in text and "大写：" in text
        await pilot.press("enter")
        await settle(pilot)
        assert confirming(app) is None
        assert screen.last_posted is not None
        number = screen.last_posted.number
        assert number in message(screen)
        assert screen.lines == [] and screen.customer is None  # ready for the next slip
    slips = posted(demo_db)
    assert len(slips) == before + 1
    slip = slips[-1]
    assert (slip.number, slip.cust_code, slip.settlement, slip.line_count) == (
        number,
        "K0015",
        "月结",
        5,
    )
    rows = lines_of(demo_db, slip.id)
    assert [r.code for r in rows] == ["YL0001", "YL0024", "LS0001", "RH0013", "YL0035"]
    assert rows[0].qty == D("3") and rows[0].price_source in ("agreed", "tier")
    assert slip.total_amount == sum(r.amount for r in rows)


async def test_price_override_approved_by_supervisor(demo_db: Database) -> None:
    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0002")
        await add_line(pilot, "RH0013", "1", "125.00")  # below the 147.50 floor
        assert "⚠" in str(screen.query_one("#lines").get_row_at(0)[-1])  # type: ignore[attr-defined]
        assert "最低限价" in str(screen.query_one("#issues", Static).render())
        await pilot.press("f9")
        await settle(pilot)
        assert "需主管审批" in panel_text(app) and "最低限价" in panel_text(app)
        await pilot.press("enter")  # confirm
        await settle(pilot)
        assert isinstance(app.screen, ApprovalDialog)
        await type_in(pilot, "8001")
        await type_in(pilot, "0000")  # wrong PIN: asked again, with the reason
        assert isinstance(app.screen, ApprovalDialog)
        assert "PIN 错误" in str(app.screen.query_one("#approval-error", Static).render())
        await type_in(pilot, "8001")
        await type_in(pilot, "8888")
        assert screen.last_posted is not None
    slip = posted(demo_db)[-1]
    [line] = lines_of(demo_db, slip.id)
    assert line.price == D("125.00") and line.approved_by_id is not None
    assert slip.number == screen.last_posted.number


async def test_hold_recall_and_post(demo_db: Database) -> None:
    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0001")
        await add_line(pilot, "YL0001", "2")
        await add_line(pilot, "LS0001", "1")
        await pilot.press("f8")
        await settle(pilot)
        assert screen.lines == []
        with demo_db.read() as s:
            held = s.exec(select(Slip).where(Slip.status == "held")).all()
        assert len(held) == 1 and held[0].number is None
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, HeldOrders)
        await pilot.press("enter")
        await settle(pilot)
        assert [ln.product.code for ln in screen.lines] == ["YL0001", "LS0001"]
        assert screen.customer is not None and screen.customer.code == "K0001"
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.last_posted is not None
    with demo_db.read() as s:
        slip = s.get(Slip, held[0].id)
        assert (
            slip is not None
            and slip.status == "posted"
            and slip.number == screen.last_posted.number
        )


async def test_a_burst_after_the_confirm_keeps_its_order(demo_db: Database) -> None:
    """Enter K0002 Enter arriving in one read from the terminal: the post starts at the
    first Enter and the rest starts the next slip. (Pilot's press() waits after every
    key; a terminal does not, and the letters used to reach the panel before its Enter
    had started the post, and were dropped.)"""
    before = len(posted(demo_db))
    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await to_confirm(pilot)
        for key in ["enter", *"K0002", "enter", *"YL0002*3", "enter"]:
            app.post_message(events.Key(key, "\r" if key == "enter" else key))
        await settle(pilot)
        await settle(pilot)
        assert screen.last_posted is not None and screen.last_posted.number in message(screen)
        assert screen.customer is not None and screen.customer.code == "K0002"
        assert screen.current is not None and screen.current.product.code == "YL0002"
        assert screen.query_one("#qty", Input).value == "3"
    assert len(posted(demo_db)) == before + 1


async def test_f9_takes_the_line_still_in_the_editor(demo_db: Database) -> None:
    """A picked product with its quantity typed joins the slip on F9, as if Enter had
    been pressed on its price; a product text not yet picked stops the post instead of
    being left out."""
    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0001")
        await add_line(pilot, "YL0001", "2")
        await type_in(pilot, "YL0002*3")  # in the editor: the price not yet confirmed
        await pilot.press("f9")
        await settle(pilot)
        assert "行数：2" in panel_text(app)
        await pilot.press("enter")
        await settle(pilot)
        slip = posted(demo_db)[-1]
        rows = [(r.code, r.qty) for r in lines_of(demo_db, slip.id)]
        assert rows == [("YL0001", D("2")), ("YL0002", D("3"))]

        await type_in(pilot, "K0002")
        await add_line(pilot, "YL0001", "1")
        await type_in(pilot, "kkk", enter=False)  # typed, not picked
        await pilot.press("f9")
        await settle(pilot)
        assert confirming(app) is None
        assert "「kkk」还没选定" in message(screen)
        assert screen.query_one("#product", Input).value == "kkk" and len(screen.lines) == 1
    assert posted(demo_db)[-1].id == slip.id


async def test_an_order_on_screen_is_held_never_thrown_away(demo_db: Database) -> None:
    """Ctrl+N, F7 and Ctrl+Q used to drop the order being typed; now it is held first."""
    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await with_a_line(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.lines == [] and screen.customer is None
        assert "已挂单" in message(screen)
        await type_in(pilot, "K0002")
        await add_line(pilot, "LS0001", "1")
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, HeldOrders)
        assert app.screen.query_one("#held-list", OptionList).option_count == 1
        await pilot.press("enter")  # K0001's order comes back; K0002's is held first
        await settle(pilot)
        assert [ln.product.code for ln in screen.lines] == ["YL0001"]
        await pilot.press("ctrl+n")  # held again, in the same place
        await settle(pilot)
        assert screen.lines == []
        await type_in(pilot, "K0003")
        await type_in(pilot, "YL0002*1")  # still in the editor when the clerk quits
        await pilot.press("ctrl+q")
        await pilot.pause()
    with demo_db.read() as s:
        held = s.exec(select(Slip).where(Slip.status == "held").order_by(col(Slip.id))).all()
    assert [[r.code for r in lines_of(demo_db, h.id)] for h in held] == [
        ["YL0001"],
        ["LS0001"],
        ["YL0002"],
    ]


async def test_product_matches_show_this_customers_price_in_aligned_columns(
    demo_db: Database,
) -> None:
    """Code, name, spec, unit, stock, the customer's policy price and last price, each
    column at the same cell whatever mix of hanzi and Latin the names have."""
    from rich.cells import cell_len

    from kaidan_tui.tui.widgets.matchlist import MatchList

    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0015")  # 二批价 customer
        await type_in(pilot, "kkkl", enter=False)
        rows = [r.text.plain for r in screen.query_one("#popup", MatchList).rows]
    assert len(rows) > 3 and any("可口可乐零度 330ml听装" in r for r in rows)
    for column in ("库存", "价 ", "上次"):
        assert len({cell_len(r[: r.index(column)]) for r in rows}) == 1, column
    [yl1] = [r for r in rows if r.startswith("YL0001")]
    assert "价    49.50" in yl1  # the 二批 price this slip would get, not the 52.00 list


async def test_while_saving_after_an_approval_keys_wait_and_nothing_changes_the_order(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a supervisor's approval the slip is saved with the order screen up: Ctrl+N,
    F8, F7, Ctrl+D and F3 do nothing meanwhile, and what is typed starts the next slip."""
    release, _ = slow_posts(monkeypatch)
    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0002")
        await add_line(pilot, "RH0013", "1", "125.00")  # below the floor
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await type_in(pilot, "8001")
        await pilot.press(*"8888", "enter")  # not settle(): it would wait for the post
        await pilot.pause(0.2)
        assert screen.posting and app.screen is screen
        await pilot.press("ctrl+n", "f8", "f7", "ctrl+d", "f3", *"K0001", "enter")
        assert app.screen is screen and len(screen.lines) == 1 and not screen.discount
        release.set()
        await settle(pilot)
        await settle(pilot)
        assert screen.last_posted is not None and screen.last_posted.number in message(screen)
        assert screen.customer is not None and screen.customer.code == "K0001"
    with demo_db.read() as s:
        assert s.exec(select(Slip).where(Slip.status == "held")).all() == []


async def test_f7_esc_keeps_the_order_and_ctrl_n_twice_drops_one_that_cannot_be_held(
    demo_db: Database,
) -> None:
    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await login(pilot)
        await pilot.press("down")  # no customer: a sale cannot be held without one
        await add_line(pilot, "YL0001", "2")
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert len(screen.lines) == 1  # looking at the held list changed nothing
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert len(screen.lines) == 1 and "再按一次 Ctrl+N" in message(screen)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.lines == [] and "已放弃" in message(screen)


async def test_a_correction_in_progress_is_dropped_not_held(demo_db: Database) -> None:
    """A 改单 held as a plain sale would later post beside the slip it was to replace."""
    from kaidan_tui.services.lookup import slip_as_input

    original = posted(demo_db)[-1]
    assert original.number is not None
    order = slip_as_input(demo_db, original.number, returning=False, keep_prices=True)
    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await login(pilot)
        screen.load(order, replacing=original.number)
        await settle(pilot)
        assert screen.replacing == original.number and screen.lines
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.lines == [] and screen.replacing is None
        assert f"原单 {original.number} 不变" in message(screen)
    with demo_db.read() as s:
        assert s.exec(select(Slip).where(Slip.status == "held")).all() == []
        still = s.get(Slip, original.id)
        assert still is not None and still.status == "posted"


async def test_sales_return(demo_db: Database) -> None:
    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await login(pilot)
        await pilot.press("f6", "2")  # sale → return (F6 lists the types)
        await settle(pilot)
        assert "销售退货" in (screen.title or "")
        await type_in(pilot, "K0001")
        await add_line(pilot, "YL0001", "1", "0")  # D10: a return never has price 0
        assert "不能为 0" in message(screen)
        assert screen.query_one("#qty", Input).value == "1"  # nothing lost
        await pilot.press("home", "ctrl+k", *"48.50", "enter")
        await settle(pilot)
        assert len(screen.lines) == 1
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.last_posted is not None and screen.last_posted.number.startswith("TH")


async def test_bad_input_is_explained_and_nothing_is_lost(demo_db: Database) -> None:
    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0001")
        await add_line(pilot, "YL0001", "2")
        await type_in(pilot, "NOSUCH99")
        assert "没有找到商品" in message(screen)
        assert screen.query_one("#product", Input).value == "NOSUCH99"
        await pilot.press("home", "ctrl+k")
        await type_in(pilot, "LS0001")
        await type_in(pilot, "abc")
        assert "不是数字" in message(screen)
        assert screen.query_one("#qty", Input).value == "abc"
        await pilot.press("home", "ctrl+k", *"３", "enter")  # full-width digit from an IME
        await settle(pilot)
        await pilot.press("home", "ctrl+k", *"-5", "enter")
        await settle(pilot)
        assert "负数" in message(screen)
        assert len(screen.lines) == 1 and screen.customer is not None  # earlier work intact
        await pilot.press("home", "ctrl+k", *"5", "enter")
        await settle(pilot)
        assert [ln.qty for ln in screen.lines] == [D("2"), D("3")]


@pytest.mark.parametrize("size", [(100, 32)])
async def test_f9_twice_makes_one_slip(demo_db: Database, size: tuple[int, int]) -> None:
    before = len(posted(demo_db))
    app = KaidanApp(demo_db)
    async with app.run_test(size=size) as pilot:
        await to_confirm(pilot, "1")
        await pilot.press("enter", "f9", "enter")
        await settle(pilot)
    assert len(posted(demo_db)) == before + 1


async def test_panel_stays_up_while_a_slow_post_runs(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enter on the confirm panel posts with the panel still up: Enter again, Esc and F9
    do nothing until the store answers; then the panel closes and the number is shown.
    What the clerk typed meanwhile is not lost: it is the next slip's customer."""
    release, calls = slow_posts(monkeypatch)
    before = len(posted(demo_db))
    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await to_confirm(pilot)
        panel = confirming(app)
        assert panel is not None
        await pilot.press("enter")
        await pilot.pause(0.4)  # slower than the store usually is: the panel says so
        assert app.screen is panel and panel.posting
        assert "正在过账" in panel_text(app)
        await pilot.press("enter", "escape", "f9", *"K00022", "backspace", "enter")
        await pilot.pause()
        assert app.screen is panel
        release.set()
        await settle(pilot)
        assert app.screen is screen
        assert screen.last_posted is not None
        assert screen.lines == []
        # The first Enter was the same confirmation again; the typing after it is kept.
        assert screen.customer is not None and screen.customer.code == "K0002"
        assert screen.focused is screen.query_one("#product", Input)
    assert calls == ["post"]
    assert len(posted(demo_db)) == before + 1


async def test_the_row_enter_takes_is_drawn_as_the_cursor(demo_db: Database) -> None:
    """Before any ↓, the first match is drawn in the cursor's colours (not the faint
    blurred cursor), and it is what Enter takes."""
    from kaidan_tui.tui.widgets.matchlist import MatchList

    app = KaidanApp(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0002")
        await type_in(pilot, "YL00", enter=False)
        popup = screen.query_one("#popup", MatchList)
        assert popup.highlighted == 0
        cursor = app.theme_variables["block-cursor-background"]
        strips = popup.render_lines(popup.region.reset_offset)[1:3]  # below its border
        first, second = ({s.style.bgcolor for s in strip if s.style} for strip in strips)
        assert any(c and c.triplet and c.triplet.hex == cursor.lower() for c in first), first
        assert not any(c and c.triplet and c.triplet.hex == cursor.lower() for c in second)


async def test_another_customer_gets_their_own_prices(demo_db: Database) -> None:
    """Lines typed for K0002, then the customer changed to K0015 (二批): the policy-priced
    line is quoted again for K0015; the typed price stays, and the clerk is told."""
    from kaidan_tui.domain.enums import PriceSource
    from kaidan_tui.services import quotes

    for_k02 = quotes.quote(demo_db, "K0002", "YL0001").price
    for_k15 = quotes.quote(demo_db, "K0015", "YL0001")
    assert for_k02 != for_k15.price  # the demo's tiers differ: else this proves nothing
    app = KaidanApp(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0002")
        await add_line(pilot, "YL0001", "3")
        await add_line(pilot, "LS0001", "2", price="10")
        assert [ln.price for ln in screen.lines] == [for_k02, Decimal("10")]
        await pilot.press("ctrl+l", "home", "ctrl+k")
        await type_in(pilot, "K0015")
        assert screen.customer is not None and screen.customer.code == "K0015"
        first, second = screen.lines
        assert (first.price, first.source) == (for_k15.price, for_k15.source)
        assert (second.price, second.source) == (Decimal("10"), PriceSource.MANUAL)
        assert second.policy == quotes.quote(demo_db, "K0015", "LS0001").price
        said = str(screen.query_one("#editor-msg").render())
        assert "1 行已按" in said and "1 行未动" in said, said
        slip_in = screen.slip_in()
    assert [Decimal(ln.price or "0") for ln in slip_in.lines] == [for_k15.price, Decimal("10")]
