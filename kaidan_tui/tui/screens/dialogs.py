"""Modal dialogs of order entry: confirm-and-post, supervisor approval, held orders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from kaidan_tui.domain.discount import HELP, slip_discount
from kaidan_tui.domain.errors import KaidanError, PolicyIssue
from kaidan_tui.domain.money import format_money
from kaidan_tui.services.autosave import Pending
from kaidan_tui.services.counter import label
from kaidan_tui.services.slips import HeldSummary
from kaidan_tui.tui.cells import fit, pad
from kaidan_tui.tui.host import Guarded
from kaidan_tui.tui.typeahead import Field, KeepsTypeAhead, TypeAheadFocus

if TYPE_CHECKING:
    from kaidan_tui.services.users import UserInfo
    from kaidan_tui.tui.screens.order_entry import OrderEntryScreen


class ConfirmPost(Guarded, KeepsTypeAhead, ModalScreen[bool]):
    """F9: what is about to be saved (customer, settlement, lines, quantity, discount,
    total and 大写金额, and what a supervisor must approve); Enter posts, Esc goes back.

    A screen of its own, over the dimmed order screen. A panel on a layer of the order
    screen was tried (about 13 ms quicker to close): Textual's compositor splits a
    layer's lines at the edges of the widgets under it, and a Chinese character that
    straddles one is drawn as two blanks, so 大写 amounts lost characters at some
    terminal sizes.
    """

    PLACE = "过账确认"

    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: taken when the key arrives, so that the keys typed after it (a burst
        # like Enter K0002 Enter) find the post started and are kept (see keep()).
        Binding(
            "enter", "confirm", "确认过账", id="confirm.ok", tooltip="过账并打印", priority=True
        ),
        Binding("escape", "cancel", "返回修改", id="confirm.cancel", tooltip="回到开单"),
        Binding("p,P", "preview", "打印预览", id="confirm.preview", tooltip="看打印版面"),
    ]
    HINT = "Enter 确认过账    Esc 返回修改    P 打印预览"

    def __init__(
        self,
        summary: Text,
        *,
        preview: Callable[[], None],
        post: Callable[[], None] | None = None,
        keep: Callable[[events.Key], bool] | None = None,
    ) -> None:
        """With ``post``, Enter saves the slip with the panel still up, and the order
        screen closes it once the store has answered: the screen under the panel is
        then redrawn once, with the result. Without, Enter dismisses with True. Keys
        typed while saving go to ``keep`` (the order screen keeps them for later)."""
        super().__init__()
        self._summary = summary
        self._preview = preview
        self._post = post
        self._keep = keep
        self.posting = False

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="dialog"):
            yield Static(self._body(self.HINT), id="confirm-body")

    def _body(self, hint: str) -> Text:
        return Text.assemble(self._summary, "\n\n", (hint, "dim"))

    def action_confirm(self) -> None:
        if self._post is None:
            self.dismiss(True)
        elif not self.posting:  # Enter twice posts once
            self.posting = True
            self._post()
            # Say so only if the store is slow: a repaint now would compete with the post.
            self.set_timer(0.3, self._still_posting)

    def _still_posting(self) -> None:
        self.query_one("#confirm-body", Static).update(self._body("正在过账…"))

    def action_cancel(self) -> None:
        if not self.posting:
            self.dismiss(False)

    def action_preview(self) -> None:
        if not self.posting:
            self._preview()

    def keep(self, event: events.Key) -> bool:
        return self.posting and self._keep is not None and self._keep(event)


class ApprovalDialog(Guarded, TypeAheadFocus, ModalScreen[tuple[str, str] | None]):
    """Supervisor code + PIN for the listed issues (price, credit, stock, signature)."""

    PLACE = "主管审批"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "取消", id="approval.cancel", tooltip="不审批，返回"),
        Binding("enter", "enter", "下一格 / 审批", show=False, priority=True, id="approval.enter"),
    ]

    def __init__(self, issues: list[PolicyIssue], error: str = "") -> None:
        super().__init__()
        self.issues = issues
        self.error = error

    def compose(self) -> ComposeResult:
        text = Text("需要主管审批：\n", style="bold")
        for i in self.issues:
            text.append(f"• {i.message}\n")
        with Vertical(id="approval-box", classes="dialog"):
            yield Static(text)
            yield Label("主管编码")
            yield Field(id="sup-code")
            yield Label("PIN")
            yield Field(id="sup-pin", password=True)
            yield Static(Text(self.error, style="red"), id="approval-error")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#sup-code", Input))

    def action_enter(self) -> None:
        if self.focused is self.query_one("#sup-code", Input):
            self.set_focus(self.query_one("#sup-pin", Input))
        else:
            self._pin()

    def _pin(self) -> None:
        self.dismiss(
            (self.query_one("#sup-code", Input).value, self.query_one("#sup-pin", Input).value)
        )

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickList(Guarded, ModalScreen[int | None]):
    """A list to pick one row from (Enter), or leave (Esc): what the held orders and the
    unfinished orders share. Rows are padded by display width (tui/cells.py)."""

    TITLE_TEXT = ""
    HINT = ""
    EMPTY = ""
    LIST_ID = "pick-list"

    def __init__(self, rows: list[tuple[int, Text]]) -> None:
        super().__init__()
        self.rows = rows  # (id Enter picks, the row as shown)

    def compose(self) -> ComposeResult:
        options = [Option(text, id=str(row_id)) for row_id, text in self.rows]
        with Vertical(id="held-box", classes="dialog"):
            yield Static(Text(self.TITLE_TEXT, style="bold"))
            if self.HINT:
                yield Static(Text(self.HINT, style="dim"), id="pick-hint")
            yield OptionList(*options, id=self.LIST_ID)
            if not options and self.EMPTY:
                yield Static(self.EMPTY)

    def picked(self) -> int | None:
        """The row under the cursor, if any."""
        listing = self.query_one(f"#{self.LIST_ID}", OptionList)
        if listing.highlighted is None:
            return None
        return int(listing.get_option_at_index(listing.highlighted).id or 0)

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_cancel(self) -> None:
        self.dismiss(None)


class HeldOrders(PickList):
    """F7: held orders (挂单), newest first; Enter recalls one. One that a screen has
    on it says where ("正在 2 号柜台 张三 编辑"); Ctrl+R releases it (a supervisor's
    approval), for a counter that died with it. The result is the slip id to recall, or
    minus the id to release."""

    PLACE = "挂单列表"
    TITLE_TEXT = "挂单（Enter 调出，Esc 返回）"
    HINT = "正在别处编辑的挂单不能调出；那台柜台已关机的，主管可按 Ctrl+R 释放。"
    EMPTY = "没有挂单。"
    LIST_ID = "held-list"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "返回", id="held.cancel", tooltip="返回开单"),
        Binding("ctrl+r", "release", "释放", id="held.release", tooltip="主管释放别处的编辑"),
    ]

    def __init__(self, held: list[HeldSummary]) -> None:
        super().__init__(self.held_rows(held))
        self.held = held

    @staticmethod
    def held_rows(held: list[HeldSummary]) -> list[tuple[int, Text]]:
        out = []
        for h in held:
            text = Text(
                f"#{h.id:<5} {fit(h.customer, 16)} {h.lines:>3} 行  ￥{format_money(h.total):>12}  "
            )
            if h.claimed_by:
                text.append(f"正在{h.claimed_by}编辑", style="bold yellow")
            else:
                text.append(fit(h.reason, 30))
            out.append((h.id, text))
        return out

    def action_release(self) -> None:
        slip_id = self.picked()
        claimed = {h.id for h in self.held if h.claimed_by}
        if not self.held:
            return  # the list says 没有挂单
        if slip_id is None or slip_id not in claimed:
            self.query_one("#pick-hint", Static).update(
                Text("所选的挂单没有人在编辑，直接按 Enter 调出即可。", style="red")
            )
            return
        self.dismiss(-slip_id)


class Unfinished(PickList):
    """At login: orders a screen never finished (the app was killed, the power cut), as
    autosaved; Enter takes one up, Esc leaves them for later."""

    PLACE = "恢复未完成的单"
    TITLE_TEXT = "恢复未完成的单（上次没有过账或挂单就退出了）"
    HINT = "Enter 恢复所选的单，Esc 先开新单（下次登录还会问）"
    LIST_ID = "unfinished-list"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "以后再说", id="unfinished.cancel", tooltip="先开新单"),
    ]

    def __init__(self, pending: list[Pending]) -> None:
        super().__init__(self.pending_rows(pending))
        self.pending = pending

    @staticmethod
    def pending_rows(pending: list[Pending]) -> list[tuple[int, Text]]:
        return [
            (
                p.id,
                Text(
                    f"{p.updated_at.astimezone():%m-%d %H:%M}  {pad(label(p.counter), 12)}  "
                    f"{pad(p.clerk, 8)}  {p.summary}"
                ),
            )
            for p in pending
        ]


def offer_unfinished(app: App[None], order: OrderEntryScreen, user: UserInfo) -> None:
    """At login: orders autosaved and never finished (this clerk's on this counter; a
    supervisor's, every counter's) are offered back first."""
    from kaidan_tui.services import autosave

    db = order.db
    autosave.close_finished(db, user)
    pending = autosave.pending(db, user)
    if not pending:
        return

    def chosen(autosave_id: int | None) -> None:
        if autosave_id is not None:
            order.restore(autosave_id)

    app.push_screen(Unfinished(pending), chosen)


class DiscountDialog(Guarded, TypeAheadFocus, ModalScreen[str | None]):
    """Ctrl+D: the whole-slip discount, as a clerk says it (95折, -50, =1000, 抹零)."""

    PLACE = "整单优惠"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "取消", id="discount.cancel", tooltip="不改折扣，返回"),
        Binding("enter", "enter", "确定", show=False, priority=True, id="discount.enter"),
    ]

    def __init__(self, subtotal: Decimal, current: str) -> None:
        super().__init__()
        self.subtotal = subtotal
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="discount-box", classes="dialog"):
            yield Static(Text(f"整单优惠（合计 ￥{format_money(self.subtotal)}）", style="bold"))
            yield Static(Text(HELP + "；清空为不打折。", style="dim"))
            yield Field(id="discount-text", value=self.current)
            yield Static("", id="discount-result")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#discount-text", Input))

    @on(Input.Changed, "#discount-text")
    def _preview(self, event: Input.Changed) -> None:
        result = self.query_one("#discount-result", Static)
        try:
            off = slip_discount(event.value, self.subtotal)
        except KaidanError as exc:
            result.update(Text(exc.message, style="red"))
            return
        net = self.subtotal - off
        result.update(Text(f"优惠 {format_money(off)}，实收 ￥{format_money(net)}", style="green"))

    def action_enter(self) -> None:
        text = self.query_one("#discount-text", Input).value.strip()
        try:
            slip_discount(text, self.subtotal)
        except KaidanError as exc:
            self.query_one("#discount-result", Static).update(Text(exc.message, style="red"))
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class DayClosed(Guarded, ModalScreen[str | None]):
    """F9 on a day already closed (日结): book the order on the next open business day
    (Enter), hold it (F8), or go back (Esc). Nothing is posted into a closed day."""

    PLACE = "今日已日结"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "answer('next')", "记入下一营业日", id="closed.next", priority=True),
        Binding("f8", "answer('hold')", "挂单", id="closed.hold"),
        Binding("escape", "answer('')", "返回", id="closed.cancel"),
    ]

    def __init__(self, day: date, open_day: date, *, today: date) -> None:
        super().__init__()
        self.day, self.open_day, self.today = day, open_day, today

    def compose(self) -> ComposeResult:
        which = "今日" if self.day == self.today else f"{self.day}"
        with Vertical(id="closed-box", classes="dialog"):
            yield Static(Text(f"{which}已日结：本单记入 {self.open_day}？", style="bold"))
            yield Static(
                f"Enter：改记 {self.open_day}（表头、单据同日），再确认过账\n"
                "F8：先挂单　　Esc：返回修改"
            )

    def action_answer(self, choice: str) -> None:
        self.dismiss(choice or None)
