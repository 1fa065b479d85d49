"""Printing on screen: the print preview, the spool banner, and "did it print?"."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from kaidan_tui.tui.host import Guarded, KaidanHost

if TYPE_CHECKING:
    from kaidan_tui.services.spool import JobView


class PrintSent(Message):
    """A slip went to its printer. Posted to the active screen: the order screen adds
    it to the line that announced the slip (and shows no more); anywhere else it
    bubbles up to the app, which shows it as a notification."""

    def __init__(self, number: str, printer: str, reprint_no: int = 0) -> None:
        super().__init__()
        self.number = number
        self.printer = printer
        self.reprint_no = reprint_no

    @property
    def text(self) -> str:
        mark = f"（补打 {self.reprint_no}）" if self.reprint_no else ""
        return f"{self.number}{mark} 已送到 {self.printer}"


class PrintPreview(Guarded, ModalScreen[None]):
    """The slip exactly as the printer will lay it out (one part; all parts on receipts)."""

    PLACE = "打印预览"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_preview", "关闭预览", id="preview.close"),
        Binding("enter", "dismiss_preview", "关闭", show=False, id="preview.enter"),
        Binding(
            "pageup", "scroll('page_up')", "上一页", show=False, priority=True, id="preview.pgup"
        ),
        Binding(
            "pagedown",
            "scroll('page_down')",
            "下一页",
            show=False,
            priority=True,
            id="preview.pgdn",
        ),
        Binding("up", "scroll('scroll_up')", "上滚", show=False, priority=True, id="preview.up"),
        Binding(
            "down", "scroll('scroll_down')", "下滚", show=False, priority=True, id="preview.down"
        ),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self._title = title
        self._text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="preview-box", classes="dialog"):
            yield Static(Text(self._title, style="bold"), id="preview-title")
            with VerticalScroll(id="preview-scroll"):
                yield Static(Text(self._text), id="preview-body")
            yield Static(Text("Esc 关闭    PgUp/PgDn 翻页", style="dim"))

    def action_scroll(self, how: str) -> None:
        getattr(self.query_one("#preview-scroll", VerticalScroll), f"action_{how}")()

    def action_dismiss_preview(self) -> None:
        self.dismiss(None)


class UncertainPrint(Guarded, ModalScreen[bool | None]):
    """A job dropped mid-print: only the clerk, looking at the printer, can say."""

    PLACE = "确认是否打出"
    app = getters.app(KaidanHost)

    BINDINGS: ClassVar[list[BindingType]] = [
        # Deliberate keys only: a clerk typing a code must never answer this by accident.
        Binding("ctrl+y", "answer(True)", "已完整打出", id="uncertain.yes"),
        Binding("ctrl+n", "answer(False)", "没有打出，补打", id="uncertain.no", priority=True),
        Binding("escape", "later", "稍后再说", id="uncertain.later"),
    ]

    def __init__(self, job: JobView) -> None:
        super().__init__()
        self.job = job

    def compose(self) -> ComposeResult:
        body = Text()
        body.append("打印可能中断\n\n", style="bold")
        printer = self.app.printer_label(self.job.printer)
        body.append(f"单号 {self.job.number} 在打印机 {printer} 上打印时连接中断，")
        body.append("可能只打了一部分。\n")
        if self.job.last_error:
            body.append(f"\n{self.job.last_error}\n", style="yellow")
        body.append("\n请看打印机：这张单完整打出来了吗？\n\n")
        body.append(
            "Ctrl+Y 已完整打出    Ctrl+N 没有打出（补打一份，标“补打”）    Esc 稍后", style="dim"
        )
        with Vertical(id="uncertain-box", classes="dialog"):
            yield Static(body)

    def action_answer(self, printed: bool) -> None:
        self.dismiss(printed)

    def action_later(self) -> None:
        self.dismiss(None)


class PrintBanner(Static):
    """One line under the header while anything is waiting to print, with what to do."""

    DEFAULT_CSS = """
    PrintBanner {
        height: auto;
        padding: 0 1;
        display: none;
        background: $warning 30%;
    }
    PrintBanner.-show {
        display: block;
    }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "print_status", self._show)

    def _show(self, status: str) -> None:
        self.update(Text(status))
        self.set_class(bool(status), "-show")
