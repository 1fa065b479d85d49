"""日报 (F4): the day's report; the cash each driver hands in, the return copies that came
back, and closing the day (supervisor)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Header, Input, Label, Static

from kaidan_tui.db.engine import Database
from kaidan_tui.domain import clock
from kaidan_tui.domain.dates import parse_day
from kaidan_tui.domain.errors import InputError, KaidanError, PolicyIssue
from kaidan_tui.domain.money import format_money, parse_amount
from kaidan_tui.services import daily, day_end, users
from kaidan_tui.services.daily import DailyReport, DriverCash
from kaidan_tui.services.daily_export import lines
from kaidan_tui.services.users import UserInfo
from kaidan_tui.tui.host import Guarded, ReportsWorkerErrors
from kaidan_tui.tui.screens.dialogs import ApprovalDialog
from kaidan_tui.tui.screens.printing import PrintBanner
from kaidan_tui.tui.screens.too_small import NARROW
from kaidan_tui.tui.typeahead import Field, TypeAheadFocus
from kaidan_tui.tui.widgets.keybar import KeyBar

MONEY = 10
"""Columns for a figure: 999,999.99."""


class CashDialog(Guarded, TypeAheadFocus, ModalScreen[tuple[str, str] | None]):
    """The cash a driver handed in, and the reason for any difference."""

    PLACE = "点款"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "取消", id="cash.cancel"),
        Binding("enter", "enter", "下一格 / 确定", show=False, priority=True, id="cash.enter"),
    ]

    def __init__(self, driver: DriverCash) -> None:
        super().__init__()
        self.driver = driver

    def compose(self) -> ComposeResult:
        d = self.driver
        with Vertical(id="cash-box", classes="dialog"):
            yield Static(Text(f"{d.driver}：应收现金 ￥{format_money(d.expected)}", style="bold"))
            yield Static(Text("单据：" + "、".join(d.slips), style="dim"))
            yield Label("实收现金")
            yield Field(id="cash-amount", value="" if d.received is None else f"{d.received}")
            yield Label("差额说明（有差额必填）")
            yield Field(id="cash-note", value=d.note)
            yield Static("", id="cash-error")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#cash-amount", Input))

    def action_enter(self) -> None:
        amount = self.query_one("#cash-amount", Input)
        if self.focused is amount:
            try:
                received = parse_amount(amount.value, what="现金")
            except InputError as exc:
                self._error(exc.message)
                return
            self._error(day_end.cash_note_missing(self.driver, received, "") or "")
            self.set_focus(self.query_one("#cash-note", Input))
            return
        note = self.query_one("#cash-note", Input).value
        try:
            received = parse_amount(amount.value, what="现金")
        except InputError as exc:
            self._error(exc.message)
            self.set_focus(amount)
            return
        missing = day_end.cash_note_missing(self.driver, received, note)
        if missing is not None:
            self._error(missing)
            return
        self.dismiss((amount.value, note))

    def _error(self, message: str) -> None:
        self.query_one("#cash-error", Static).update(Text(message, style="red"))

    def action_cancel(self) -> None:
        self.dismiss(None)


class DailyScreen(ReportsWorkerErrors, TypeAheadFocus, Screen[None]):
    PLACE = "日报"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f6", "cash", "点款", id="daily.cash", tooltip="登记所选司机交回的现金"),
        Binding("f7", "copy_back", "回单已收", id="daily.copy", tooltip="所选回单已收回"),
        Binding("f9", "close_day", "日结", id="day_end.close", tooltip="主管关账（现金须点清）"),
        Binding("enter", "enter", "打开所选", show=False, priority=True, id="daily.enter"),
    ]

    def __init__(self, db: Database, user: UserInfo) -> None:
        super().__init__()
        self.db = db
        self.user = user
        self.report: DailyReport | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield PrintBanner(id="print-banner")
        with Horizontal(id="search-bar"):
            yield Static("营业日", id="search-kind")
            yield Field(id="day", value=clock.today().isoformat(), placeholder="如 12-05 或 5")
            yield Static("账套", id="ledger-label")
            yield Field(id="ledger", placeholder="默认")
        with Horizontal(id="daily-body"):
            with VerticalScroll(id="daily-text-box"):
                yield Static("", id="daily-text")
            with Vertical(id="daily-side"):
                with Vertical(id="drivers-group", classes="daily-group"):
                    yield Label("司机现金（F6 点款）")
                    yield DataTable(id="drivers", cursor_type="row")
                with Vertical(classes="daily-group"):
                    yield Label("未收回单（F7 已收）")
                    yield DataTable(id="copies", cursor_type="row")
        yield Static("", id="status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = "日报 · 日结"
        self.sub_title = f"{self.user.name}（{self.user.role.label}）"
        # Fixed widths: a figure is never cut to its column's header width, whenever the
        # worker's rows arrive (an auto-sized column can be drawn before it is measured).
        drivers = self.query_one("#drivers", DataTable)
        for label, width in (("司机", 6), ("应收", MONEY), ("实收", MONEY), ("差额", MONEY)):
            drivers.add_column(label, width=width)
        drivers.add_column("说明", width=20)
        # 金额 before the names: on a narrow terminal the names go off the right, not it.
        copies = self.query_one("#copies", DataTable)
        for label, width in (("单号", 12), ("金额", MONEY), ("司机", 6)):
            copies.add_column(label, width=width)
        copies.add_column("客户", width=20)
        self.set_focus(self.query_one("#drivers", DataTable))
        self.load()

    def on_resize(self, event: events.Resize) -> None:
        """Narrow (< 110 columns): the report takes the whole width, so no figure wraps,
        and the two tables sit side by side under it."""
        self.set_class(event.size.width < NARROW, "-narrow")

    def day(self) -> date:
        """The 营业日 typed as on the order screen (2026-12-05, 12-05, 5, 昨天), written
        back in full so the field shows the day the report is for."""
        field = self.query_one("#day", Input)
        day = parse_day(field.value, today=clock.today(), field="day")
        if field.value != day.isoformat():
            field.value = day.isoformat()
        return day

    def ledger(self) -> str | None:
        """The ledger (账套) typed, or None for the default one: each closes on its own."""
        return self.query_one("#ledger", Input).value.strip().upper() or None

    def _say(self, message: str, *, error: bool = True) -> None:
        self.query_one("#status", Static).update(Text(message, style="red" if error else ""))

    def load(self) -> bool:
        """Read the report again; a bad date is said and keeps the cursor in its field."""
        try:
            self._load(self.day(), self.ledger())
        except KaidanError as exc:
            self._say(exc.message)
            self.set_focus(self.query_one("#day", Input))
            return False
        return True

    @work(thread=True, exclusive=True, exit_on_error=False, group="daily")
    def _load(self, day: date, ledger: str | None) -> None:
        try:
            rep = daily.report(self.db, day, ledger=ledger)
        except KaidanError as exc:  # no such 账套: back to its field, with what to type
            self.app.call_from_thread(self._bad_ledger, exc.message)
            return
        self.app.call_from_thread(self._show, rep)

    @work(thread=True, exclusive=True, exit_on_error=False, group="close")
    def _close_day(self, day: date, ledger: str, boss: UserInfo) -> None:
        """The close and its backup (about 1 s per 100 MB) run here, not on the UI thread."""
        try:
            closed = day_end.close(self.db, day, user=self.user, approver=boss, ledger=ledger)
        except KaidanError as exc:
            self.app.call_from_thread(self._say, exc.message)
            return
        except Exception as exc:  # never a traceback: the day is either closed or not
            self.app.call_from_thread(self._say, f"日结失败：{exc}。请重试；当天的单据不受影响。")
            return
        backup = closed.backup
        rep = daily.report(self.db, day, ledger=ledger)
        still_open = daily.open_ledgers(self.db, day)
        rest = f"账套 {'、'.join(still_open)} 还没日结（账套栏改了回车）。" if still_open else ""
        self.app.call_from_thread(self._show, rep)  # says 已日结; the backup's result next
        said = f"{ledger} {day} 已日结。{rest}{backup.message}"
        self.app.call_from_thread(self._say, said, error=backup.failed)

    def _bad_ledger(self, message: str) -> None:
        known = "、".join(daily.ledger_codes(self.db))
        self._say(f"{message}可用的账套：{known}。")
        self.set_focus(self.query_one("#ledger", Input))

    def _show(self, rep: DailyReport) -> None:
        self.report = rep
        self.query_one("#ledger", Input).placeholder = rep.ledger
        self.query_one("#daily-text", Static).update(Text("\n".join(lines(rep))))
        drivers = self.query_one("#drivers", DataTable)
        drivers.clear()
        for d in rep.drivers:
            got = "" if d.received is None else format_money(d.received)
            diff = "" if d.difference is None else format_money(d.difference)
            style = "" if d.settled else "bold red"
            drivers.add_row(
                Text(d.driver, style=style),
                Text(format_money(d.expected), justify="right"),
                Text(got, justify="right"),
                Text(diff, style=style, justify="right"),
                Text(d.note),
                key=d.driver,
            )
        copies = self.query_one("#copies", DataTable)
        copies.clear()
        for m in rep.missing_copies:
            amount = Text(format_money(m.amount), justify="right")
            copies.add_row(Text(m.number), amount, Text(m.driver), Text(m.customer), key=m.number)
        state = "已日结" if rep.closed else ("现金已点清，可以日结" if rep.cash_settled else "")
        self._say(state, error=False)

    def action_enter(self) -> None:
        if self.focused in (self.query_one("#day", Input), self.query_one("#ledger", Input)):
            if self.load():
                self.set_focus(self.query_one("#drivers", DataTable))
        elif self.focused is self.query_one("#drivers", DataTable):
            self.action_cash()
        elif self.focused is self.query_one("#copies", DataTable):
            self.action_copy_back()

    def report_ledger(self) -> str:
        """The ledger of the report on screen: cash and the close go to what is shown."""
        if self.report is not None:
            return self.report.ledger
        return self.ledger() or ""

    def _selected_driver(self) -> DriverCash | None:
        table = self.query_one("#drivers", DataTable)
        if self.report is None or not self.report.drivers:
            return None
        row = table.cursor_row if 0 <= table.cursor_row < len(self.report.drivers) else 0
        return self.report.drivers[row]

    def action_cash(self) -> None:
        driver = self._selected_driver()
        if driver is None:
            self._say("这一天没有现款单要点款。")
            return

        def counted(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            amount, note = result
            try:
                value = parse_amount(amount, what="现金")
                day_end.count_cash(self.db, self.day(), driver.driver, value, user=self.user,
                                   note=note, ledger=self.report_ledger())  # fmt: skip
            except KaidanError as exc:
                self._say(exc.message)
                return
            self.load()

        self.app.push_screen(CashDialog(driver), counted)

    def action_copy_back(self) -> None:
        table = self.query_one("#copies", DataTable)
        if self.report is None or not self.report.missing_copies:
            self._say("没有未收的回单。")
            return
        row = table.cursor_row if 0 <= table.cursor_row < len(self.report.missing_copies) else 0
        number = self.report.missing_copies[row].number
        try:
            day_end.tick_return_copy(self.db, number, user=self.user)
        except KaidanError as exc:
            self._say(exc.message)
            return
        self.load()

    def action_close_day(self) -> None:
        try:
            day = self.day()
        except KaidanError as exc:
            self._say(exc.message)
            return
        ledger = self.report_ledger()
        try:
            blocker = day_end.close_blocker(self.db, day, ledger or None)
        except KaidanError as exc:
            blocker = exc.message
        if blocker is not None:  # said before a supervisor is fetched to type a PIN
            self._say(blocker)
            return
        issue = PolicyIssue("close", f"日结 {ledger} {day}：关账后这个账套当天的单只能红冲")

        def approved(creds: tuple[str, str] | None) -> None:
            if creds is None:
                self._say("未日结。", error=False)
                return
            try:
                boss = users.approve(self.db, *creds)
            except KaidanError as exc:
                self.app.push_screen(ApprovalDialog([issue], exc.message), approved)
                return
            self._say(f"正在日结 {day}…", error=False)
            self._close_day(day, ledger, boss)

        self.app.push_screen(ApprovalDialog([issue]), approved)
