"""The order's lines: a DataTable that works out its own style once per paint.

``DataTable.render_line`` asks for ``rich_style`` for every line it draws, and that walks
the DOM up to the screen and merges each ancestor's colours: 28 walks for the order
screen's table, about 40 % of drawing it. Every change to the table (a line added, the
table cleared after a post) throws its caches away, so the whole table is drawn again,
in the same paint that shows 已过账. The style cannot change during a paint.

Its columns have fixed widths worked out for the width it has (order_entry/columns.py), so
it says when that width changes.
"""

from __future__ import annotations

from rich.style import Style
from textual import events
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widgets import DataTable


class LinesTable(DataTable[object]):
    _paint_style: Style | None = None

    class Resized(Message):
        """The table's width changed: its columns are laid out again."""

    def on_resize(self, _: events.Resize) -> None:
        self.post_message(self.Resized())

    def render_lines(self, crop: Region) -> list[Strip]:
        self._paint_style = DataTable.rich_style.fget(self)  # type: ignore[attr-defined]
        try:
            return super().render_lines(crop)
        finally:
            self._paint_style = None

    @property
    def rich_style(self) -> Style:
        if self._paint_style is not None:
            return self._paint_style
        style: Style = DataTable.rich_style.fget(self)  # type: ignore[attr-defined]
        return style
