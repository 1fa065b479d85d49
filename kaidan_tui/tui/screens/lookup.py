"""查询 (F3): one line finds slips; the slip under the cursor is shown as printed.

F9 prints it again (marked 补打 n), F10 opens the full print preview, F8 voids it and
F6 reverses it (both with a reason and a supervisor's code and PIN).
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events, getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Header, Input, Label, Static

from kaidan_tui.db.engine import Database
from kaidan_tui.domain import clock
from kaidan_tui.domain.enums import SlipStatus, SlipType
from kaidan_tui.domain.errors import KaidanError, PolicyIssue
from kaidan_tui.domain.money import format_money
from kaidan_tui.services import lifecycle, lookup, printouts, spool, users
from kaidan_tui.services.lookup import SlipRow, slip_as_input
from kaidan_tui.services.users import UserInfo
from kaidan_tui.tui.cells import clip
from kaidan_tui.tui.host import Guarded, KaidanHost, ReportsWorkerErrors
from kaidan_tui.tui.screens.dialogs import ApprovalDialog
from kaidan_tui.tui.screens.printing import PrintBanner, PrintPreview, PrintSent
from kaidan_tui.tui.screens.too_small import NARROW
from kaidan_tui.tui.typeahead import Field, TypeAheadFocus
from kaidan_tui.tui.widgets.keybar import KeyBar


class ReasonDialog(Guarded, TypeAheadFocus, ModalScreen[str | None]):
    """The reason for a void or a reversal (printed on the slip, kept in the log)."""

    PLACE = "填写原因"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "取消", id="reason.cancel"),
        Binding("enter", "enter", "确定", show=False, priority=True, id="reason.enter"),
    ]

    def __init__(self, title: str) -> None:
        super().__init__()
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="reason-box", classes="dialog"):
            yield Static(Text(self._title, style="bold"))
            yield Label("原因（会印在单据上）")
            yield Field(id="reason")
            yield Static("", id="reason-error")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#reason", Input))

    def action_enter(self) -> None:
        text = self.query_one("#reason", Input).value.strip()
        if len(text) < 2:
            self.query_one("#reason-error", Static).update(
                Text("请写明原因（至少两个字）。", style="red")
            )
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class LookupScreen(ReportsWorkerErrors, TypeAheadFocus, Screen[None]):
    PLACE = "查询"
    app = getters.app(KaidanHost)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "reprint", "补打", id="lookup.reprint", tooltip="再打一份（标“补打”）"),
        Binding("f10", "preview", "打印预览", id="lookup.preview", tooltip="整张单的打印版面"),
        Binding("f8", "void", "作废", id="lookup.void", tooltip="作废（原因 + 主管审批）"),
        Binding("f6", "reverse", "红冲", id="lookup.reverse", tooltip="红冲（原因 + 主管审批）"),
        Binding("f7", "return_against", "退货", id="lookup.return", tooltip="对这张单开退货单"),
        Binding("ctrl+o", "copy", "复制开单", id="lookup.copy", tooltip="按这张单开一张新单"),
        Binding("f12", "replace", "改单", id="lookup.replace", tooltip="改这张单：红冲原单并重开"),
        Binding("pagedown", "page(1)", "下一页", id="lookup.next", tooltip="下一页结果"),
        Binding("pageup", "page(-1)", "上一页", id="lookup.prev", tooltip="上一页结果"),
        Binding("escape", "back", "返回查询", show=False, id="lookup.back"),
        Binding("enter", "enter", "查询 / 打开所选", show=False, priority=True, id="lookup.enter"),
    ]

    def __init__(self, db: Database, user: UserInfo) -> None:
        super().__init__()
        self.db = db
        self.user = user
        self.rows: list[SlipRow] = []
        self.page = 0
        self.note = ""  # what the last action did, kept above the page count

    def compose(self) -> ComposeResult:
        yield Header()
        yield PrintBanner(id="print-banner")
        with Horizontal(id="search-bar"):
            yield Static("查询单据", id="search-kind")
            yield Field(
                id="lookup-query",
                placeholder="单号或尾号、客户（拼音/名称）、商品、电话、今天/本月/2026-11-01..2026-11-22、作废…",
            )
        with Horizontal(id="lookup-body"):
            yield DataTable(id="slips", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="slip-view"):
                yield Static("", id="slip-text")
        yield Static("", id="status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = "查询 · 单据"
        self.sub_title = f"{self.user.name}（{self.user.role.label}）"
        table = self.query_one("#slips", DataTable)
        # 金额 right after the customer: on a narrow terminal 类型 and 日期 go off the
        # edge first, never the money.
        table.add_columns("单号", "客户/领用", "金额", "行", "结算", "类型", "日期")
        self.set_focus(self.query_one("#lookup-query", Input))
        self._search("", 0)

    def on_resize(self, event: events.Resize) -> None:
        """Narrow: the slip panel keeps the 58 mm receipt's 32 columns and the list the
        rest; the slip is laid out again for the panel's new width."""
        self.set_class(event.size.width < NARROW, "-narrow")
        self.call_after_refresh(self._show_slip)

    # --- searching ----------------------------------------------------------------------

    @on(Input.Changed, "#lookup-query")
    def _changed(self, event: Input.Changed) -> None:
        self.page = 0
        self._search(event.value, 0)

    @work(thread=True, exclusive=True, exit_on_error=False, group="lookup")
    def _search(self, query: str, page: int) -> None:
        try:
            rows, more = lookup.find(self.db, query, page=page)
        except KaidanError as exc:
            self.app.call_from_thread(self._say, exc.message)
            return
        self.app.call_from_thread(self._show, query, page, rows, more)

    def _show(self, query: str, page: int, rows: list[SlipRow], more: bool) -> None:
        if query != self.query_one("#lookup-query", Input).value:
            return  # a newer keystroke asked again
        self.rows = rows
        table = self.query_one("#slips", DataTable)
        table.clear()
        room = _customer_room(table.size.width or self.app.size.width * 3 // 5, rows)
        for r in rows:
            style = "dim strike" if r.status is not SlipStatus.POSTED else ""
            table.add_row(
                Text(r.label, style=style),
                Text(clip(r.customer, room)),
                Text(format_money(r.shown_total), justify="right"),
                Text(str(r.lines), justify="right"),
                Text(r.settlement),
                Text(r.type.label),
                Text(_day(r.business_date)),
                key=str(r.id),
            )
        more_text = "，PgDn 下一页" if more else ""
        note, self.note = self.note, ""
        self._say(f"{note}第 {page + 1} 页，{len(rows)} 张{more_text}", error=False)
        self._show_slip()

    def _say(self, message: str, *, error: bool = True) -> None:
        self.query_one("#status", Static).update(Text(message, style="red" if error else ""))

    def action_page(self, step: int) -> None:
        self.page = max(0, self.page + step)
        self._search(self.query_one("#lookup-query", Input).value, self.page)

    # --- the slip under the cursor --------------------------------------------------------

    def current(self) -> SlipRow | None:
        table = self.query_one("#slips", DataTable)
        if not self.rows:
            return None
        index = table.cursor_row if 0 <= table.cursor_row < len(self.rows) else 0
        return self.rows[index]

    @on(DataTable.RowHighlighted, "#slips")
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_slip()

    def _printer(self, kind: SlipType) -> str | None:
        return self.app.printer_for(kind)

    def _show_slip(self) -> None:
        row = self.current()
        view = self.query_one("#slip-text", Static)
        if row is None:
            view.update("")
            return
        printers = self.app.printers
        target = printers.route(row.type.value) if printers is not None else None
        if printers is None or target is None:
            view.update(Text("（没有配置打印机，无法显示版面）", style="dim"))
            return
        view_box = self.query_one("#slip-view")
        room = view_box.content_size.width - view_box.styles.scrollbar_size_vertical
        if target.columns > room:  # a dot-matrix form in a side panel: lay it out to fit
            text = printouts.slip_on_screen(self.db, row.number, room)
            text += "\n（按屏宽排版；F10 看打印版面）"
        else:
            text, _ = printouts.slip_preview(self.db, row.number, printers)
        history = spool.history(self.db, row.number)
        name = self.app.printer_label
        lines = [
            f"{j.created_at:%m-%d %H:%M} {name(j.printer)} "
            f"{f'补打 {j.reprint_no} ' if j.reprint_no else ''}{j.status.label}"
            for j in history
        ]
        footer = "\n\n打印记录：\n" + "\n".join(lines) if lines else "\n\n打印记录：（无）"
        view.update(Text(text + footer))

    def action_enter(self) -> None:
        if self.focused is self.query_one("#lookup-query", Input):
            if self.rows:
                self.set_focus(self.query_one("#slips", DataTable))
        else:
            self.action_preview()

    def action_back(self) -> None:
        self.set_focus(self.query_one("#lookup-query", Input))

    def action_preview(self) -> None:
        row = self.current()
        printers = self.app.printers
        if row is None:
            self._say("先选中一张单据（在查询框输入单号、客户或日期，↑↓ 选择）。")
            return
        if printers is None:
            self._say("没有可用的打印机配置，无法预览（见 printers.toml）。")
            return
        try:
            text, target = printouts.slip_preview(self.db, row.number, printers)
        except KaidanError as exc:
            self._say(exc.message)
            return
        self.app.push_screen(PrintPreview(f"打印预览：{row.number} → {target.display}", text))

    def action_reprint(self) -> None:
        row = self.current()
        if row is None:
            self._say("先选中一张单据。")
            return
        printer = self._printer(row.type)
        if printer is None:
            self._say(f"没有给{row.type.label}单配置打印机（printers.toml 的 [routing]）。")
            return
        try:
            job = spool.reprint(self.db, row.number, user=self.user, printer=printer)
        except KaidanError as exc:
            self._say(exc.message)
            return
        self._say(f"已加入打印队列：{job.describe(self.app.printer_label)}", error=False)
        self._show_slip()  # its 打印记录 lists the job at once
        self.app.wake_spool()

    def on_print_sent(self, message: PrintSent) -> None:
        """A job went out: the status line and 打印记录 say so (the app's toast too)."""
        row = self.current()
        if row is not None and row.number == message.number:
            self._say(message.text, error=False)
            self._show_slip()

    # --- void and reversal ------------------------------------------------------------------

    def action_void(self) -> None:
        self._change("void")

    def action_reverse(self) -> None:
        self._change("reverse")

    def _change(self, what: str) -> None:
        row = self.current()
        if row is None:
            self._say("先选中一张单据。")
            return
        if row.status is not SlipStatus.POSTED:
            self._say(f"{row.number} 已{row.status.label}，不能再处理。")
            return
        name = "作废" if what == "void" else "红冲"

        def with_reason(reason: str | None) -> None:
            if reason is None:
                return
            issue = PolicyIssue(what, f"{name} {row.number}：{reason}")

            def approved(creds: tuple[str, str] | None, error: str = "") -> None:
                if creds is None:
                    self._say(f"未审批，{row.number} 没有{name}。")
                    return
                try:
                    boss = users.approve(self.db, *creds)
                except KaidanError as exc:  # wrong code or PIN: ask again
                    self.app.push_screen(ApprovalDialog([issue], exc.message), approved)
                    return
                try:
                    if what == "void":
                        done = lifecycle.void(
                            self.db, row.number, reason=reason, user=self.user, approver=boss
                        )
                    else:
                        done = lifecycle.reverse(
                            self.db,
                            row.number,
                            reason=reason,
                            user=self.user,
                            approver=boss,
                            printer=self.app.printer_for(SlipType.REVERSAL),
                        )
                except KaidanError as exc:  # e.g. the day is closed: say why, change nothing
                    self._say(exc.message)
                    return
                extra = ""
                if done.reversal_number:
                    printer = self.app.printer_for(SlipType.REVERSAL)
                    sent = f"，已送打印机 {self.app.printer_label(printer)}" if printer else ""
                    extra = f"，冲红单 {done.reversal_number}{sent}"
                    self.app.wake_spool()
                self.note = f"已{name} {row.number}{extra}。  "
                self._search(self.query_one("#lookup-query", Input).value, self.page)

            self.app.push_screen(ApprovalDialog([issue]), approved)

        self.app.push_screen(ReasonDialog(f"{name} {row.number}（{row.customer}）"), with_reason)

    # --- return against, copy ---------------------------------------------------------------

    def action_return_against(self) -> None:
        self._to_order_entry(returning=True)

    def action_copy(self) -> None:
        self._to_order_entry(returning=False)

    def action_replace(self) -> None:
        self._to_order_entry(returning=False, replacing=True)

    def _to_order_entry(self, *, returning: bool, replacing: bool = False) -> None:
        row = self.current()
        if row is None:
            self._say("先选中一张单据。")
            return
        returns = SlipType.RETURN.kind.against
        if returning and (row.type not in returns or row.status is not SlipStatus.POSTED):
            self._say("只能对已过账的销售单退货。")
            return
        if replacing and (row.status is not SlipStatus.POSTED or not row.type.kind.entered):
            self._say("只能改已过账的单（红冲单不能改）。")
            return
        order = slip_as_input(self.db, row.number, returning=returning, keep_prices=replacing)
        self.app.pop_screen()  # back to order entry, which takes the prefilled slip
        screen = self.app.screen
        loader = getattr(screen, "load", None)
        if loader is not None:
            loader(order, replacing=row.number if replacing else None)


def _day(day: date) -> str:
    """A date in the list: 12-07 this year (the room goes to the customer), else in full."""
    return day.strftime("%m-%d") if day.year == clock.today().year else day.isoformat()


def _customer_room(width: int, rows: list[SlipRow]) -> int:
    """Cells left for 客户/领用 once the other columns have theirs: the name is cut,
    never 行 or 金额 (a long name, or a 【已红冲】 tag, pushed them off the screen)."""
    widest = [
        max((cell_len(text(r)) for r in rows), default=4)
        for text in (
            lambda r: r.label,
            lambda r: r.type.label,
            lambda r: r.settlement,
            lambda r: str(r.lines),
            lambda r: format_money(r.shown_total),
            lambda r: _day(r.business_date),
        )
    ]
    fixed = sum(max(w, 4) for w in widest) + 2 * 7 + 2  # + cell padding, scrollbar
    return max(6, width - fixed)
