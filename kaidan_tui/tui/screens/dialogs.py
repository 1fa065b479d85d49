"""Dialogs of order entry: the confirm-and-post panel, supervisor approval, held orders."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from kaidan_tui.domain.capitals import amount_in_capitals
from kaidan_tui.domain.discount import HELP, slip_discount
from kaidan_tui.domain.errors import KaidanError, PolicyIssue
from kaidan_tui.domain.money import format_money
from kaidan_tui.services.slips import HeldSummary
from kaidan_tui.tui.typeahead import Field, TypeAheadFocus


class ConfirmPanel(Static, can_focus=True):
    """F9: customer, line count, total and 大写金额; Enter posts, Esc goes back.

    A panel on its own layer of the order screen rather than a screen of its own:
    opening and closing it repaints the panel and what it covers, nothing else. As a
    modal screen, closing it redrew the whole order screen (about 20 ms) and carried
    every toast over, on the way from Enter to 已过账.

    It is modal all the same (``is_modal``): while it has focus, the order screen's and
    the app's keys are off, except the screen's Enter, which comes here. Keys typed
    while the slip is being saved are kept for the next slip's customer field.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "confirm", "确认过账", id="confirm.ok", tooltip="过账并打印"),
        Binding("escape", "cancel", "返回修改", id="confirm.cancel", tooltip="回到开单"),
        Binding("p", "preview", "打印预览", id="confirm.preview", tooltip="看打印版面"),
    ]
    HINT = "Enter 确认过账    Esc 返回修改    P 打印预览"
    WIDTH = 72

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self.posting = False
        self.typed: list[str] = []  # typed while saving: the start of the next slip
        self._facts: tuple[str, str, int, str, str, list[str]] = ("", "", 0, "0", "0", [])
        self._preview: Callable[[], None] | None = None
        self._post: Callable[[], None] | None = None
        self._answer: Callable[[bool], None] | None = None
        self._back_to: Widget | None = None

    @property
    def is_modal(self) -> bool:
        return True

    def open(
        self,
        title: str,
        customer: str,
        lines: int,
        qty: str,
        total: str,
        warnings: list[str],
        *,
        preview: Callable[[], None],
        post: Callable[[], None] | None = None,
        answer: Callable[[bool], None] | None = None,
    ) -> None:
        """Show the panel and take focus. With ``post``, Enter saves the slip with the
        panel still up, and the screen closes it (:meth:`close`) once the store has
        answered. Otherwise Enter and Esc close it and tell ``answer``."""
        self._facts = (title, customer, lines, qty, total, warnings)
        self._preview, self._post, self._answer = preview, post, answer
        self.posting = False
        self.typed = []
        self._back_to = self.screen.focused
        self.update(self._body(self.HINT))
        self.place()
        self.display = True
        self.screen.set_focus(self)

    def place(self) -> None:
        """Centred on the screen: an absolute offset, as a layer has no alignment."""
        screen, gutter = self.screen.size, self.styles.gutter
        self.styles.width = width = min(self.WIDTH, screen.width)
        body = self._body(self.HINT).wrap(self.app.console, max(width - gutter.width, 1))
        height = len(body) + gutter.height
        self.styles.offset = ((screen.width - width) // 2, max(0, (screen.height - height) // 2))

    def close(self, *, refocus: bool = True) -> None:
        self.display = False
        self.posting = False
        back, self._back_to = self._back_to, None
        if refocus and back is not None and back.is_attached and back.display:
            self.screen.set_focus(back)

    def _body(self, hint: str) -> Text:
        title, customer, lines, qty, total, warnings = self._facts
        amount = Decimal(total)
        body = Text()
        body.append(f"{title}\n\n", style="bold")
        body.append(f"客户：{customer}\n")
        body.append(f"行数：{lines}    总数量：{qty}\n")
        body.append(f"合计：￥{format_money(amount)}\n", style="bold")
        body.append(f"大写：{amount_in_capitals(amount)}\n")
        for w in warnings:
            body.append(f"\n提醒：{w}", style="yellow")
        body.append(f"\n\n{hint}", style="dim")
        return body

    def action_confirm(self) -> None:
        if self._post is None:
            answer = self._answer
            self.close()
            if answer is not None:
                answer(True)
        elif not self.posting:  # Enter twice posts once
            self.posting = True
            self._post()
            # Say so only if the store is slow: a repaint now would compete with the post.
            self.set_timer(0.3, self._still_posting)

    def _still_posting(self) -> None:
        if self.posting:
            self.update(self._body("正在过账…"))

    def action_cancel(self) -> None:
        if not self.posting:
            answer = self._answer
            self.close()
            if answer is not None:
                answer(False)

    def action_preview(self) -> None:
        if self._preview is not None and not self.posting:
            self._preview()

    def on_key(self, event: events.Key) -> None:
        if self.posting and event.is_printable and event.character:
            self.typed.append(event.character)
            event.stop()
            event.prevent_default()


class ApprovalDialog(TypeAheadFocus, ModalScreen[tuple[str, str] | None]):
    """Supervisor code + PIN for the listed issues (price, credit, stock, signature)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "取消", id="approval.cancel", tooltip="不审批，返回"),
        Binding("enter", "enter", show=False, priority=True, id="approval.enter"),
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


class HeldOrders(ModalScreen[int | None]):
    """F7: held orders (挂单), newest first; Enter recalls one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "返回", id="held.cancel", tooltip="返回开单"),
    ]

    def __init__(self, held: list[HeldSummary]) -> None:
        super().__init__()
        self.held = held

    def compose(self) -> ComposeResult:
        options = [
            Option(
                Text(
                    f"#{h.id:<5} {h.customer[:16]:<16} {h.lines} 行  "
                    f"￥{format_money(h.total):>12}  "
                    f"{h.reason[:30]}"
                ),
                id=str(h.id),
            )
            for h in self.held
        ]
        with Vertical(id="held-box", classes="dialog"):
            yield Static(Text("挂单（Enter 调出，Esc 返回）", style="bold"))
            yield OptionList(*options, id="held-list")
            if not options:
                yield Static("没有挂单。")

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_cancel(self) -> None:
        self.dismiss(None)


class DiscountDialog(TypeAheadFocus, ModalScreen[str | None]):
    """Ctrl+D: the whole-slip discount, as a clerk says it (95折, -50, =1000, 抹零)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "取消", id="discount.cancel", tooltip="不改折扣，返回"),
        Binding("enter", "enter", show=False, priority=True, id="discount.enter"),
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
