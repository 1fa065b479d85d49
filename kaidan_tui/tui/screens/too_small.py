"""Below 80×24 the screens cannot show a slip's figures: a Chinese notice says what
size is needed, over whatever screen is up, and goes once the terminal is big enough.
Nothing under it is touched, so the order on screen is kept as it was."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.widgets import Static

MIN_SIZE = Size(80, 24)
"""The smallest terminal every screen is laid out for (README: terminal size)."""
NARROW = 110
"""Below this width screens go narrow: the order screen hides its price panel (its facts
stay in Ctrl+F and F9), the daily report puts its tables under the report."""


class TooSmall(ModalScreen[None]):
    """Swallows every key but the app's own (Ctrl+Q still quits, holding the order)."""

    PLACE = "终端太小"
    DEFAULT_CSS = """
    TooSmall { align: center middle; background: $background; }
    TooSmall > Static { width: 100%; height: auto; content-align: center middle;
        text-align: center; color: $warning; text-style: bold; }
    """

    def __init__(self, size: Size) -> None:
        super().__init__()
        self.size_now = size

    def compose(self) -> ComposeResult:
        yield Static(self._text(self.size_now), id="too-small-text")

    @staticmethod
    def _text(size: Size) -> Text:
        return Text(
            f"终端窗口太小：现在 {size.width}×{size.height}，"
            f"至少需要 {MIN_SIZE.width}×{MIN_SIZE.height}。\n"
            "请把窗口放大（或把字体调小）。屏幕上的单不会丢失。"
        )

    def show(self, size: Size) -> None:
        self.query_one("#too-small-text", Static).update(self._text(size))

    def on_key(self, event: events.Key) -> None:
        event.stop()


def fit_notice(app: App[None], size: Size) -> None:
    """Called on every resize of the app: put the notice up, update it, or take it down."""
    small = size.width < MIN_SIZE.width or size.height < MIN_SIZE.height
    notice = next((s for s in app.screen_stack if isinstance(s, TooSmall)), None)
    if small and notice is None:
        app.push_screen(TooSmall(size))
    elif small and notice is not None:
        notice.show(size)
    elif notice is not None:
        if app.screen is notice:
            app.pop_screen()
        else:  # something opened over it meanwhile: just take it out
            notice.dismiss()
