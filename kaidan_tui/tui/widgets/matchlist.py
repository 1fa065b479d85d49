"""The match list under the cursor: customers or products matching what is typed.

It is refilled on every keystroke, so it must be cheap to draw. Textual's ``OptionList``
formats each option again (Rich text → Content → wrapped lines) whenever it is filled:
about 7 ms for a dozen rows on the order screen, more than the rest of a keystroke. Here
each row is cut into segments once, when the list is filled, and drawn line by line.

Focus stays in the field being typed: the screen moves the highlight (↑/↓) and asks for
the highlighted row's id (Enter). A click highlights a row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget


@dataclass(frozen=True, slots=True)
class Match:
    """One row: ``id`` is what Enter picks; ``None`` for a note ("no match"), never picked."""

    id: str | None
    text: Text


class MatchList(Widget):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"match-list--highlight", "match-list--note"}
    DEFAULT_CSS = """
    MatchList {
        height: auto;
        color: $foreground;
        background: $surface;
        padding: 0 1;
        /* The row Enter takes, as plain as a focused cursor: the field keeps the focus,
           and a faint (blurred) cursor read as no row chosen until the first ↓. */
        & > .match-list--highlight {
            color: $block-cursor-foreground;
            background: $block-cursor-background;
            text-style: bold;
        }
        & > .match-list--note {
            color: $text-disabled;
        }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: list[Match] = []
        self._segments: list[list[Segment]] = []
        self._highlighted: int | None = None
        self._top = 0  # the first row in sight: the box may be shorter than the list
        self._styles = (Style(), Style(), Style())  # base, highlight, note (see render_lines)

    # --- contents -------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[Match]) -> None:
        """Show these rows, the first pickable one highlighted."""
        resized = len(rows) != len(self._rows)
        console = self.app.console
        self._rows = list(rows)
        self._segments = [list(row.text.render(console, end="")) for row in self._rows]
        self._highlighted = next((i for i, r in enumerate(self._rows) if r.id is not None), None)
        self._top = 0
        # Same number of rows: same box, so only this widget is repainted.
        self.refresh(layout=resized)

    @property
    def rows(self) -> list[Match]:
        return list(self._rows)

    @property
    def option_count(self) -> int:
        return len(self._rows)

    @property
    def highlighted(self) -> int | None:
        return self._highlighted

    @highlighted.setter
    def highlighted(self, index: int | None) -> None:
        if index is not None and self._rows:
            index = max(0, min(len(self._rows) - 1, index))
            if self._rows[index].id is None:
                return  # a note is never highlighted
        elif index is not None:
            index = None
        if index != self._highlighted:
            self._highlighted = index
            self._keep_in_sight()
            self.refresh()

    def _keep_in_sight(self) -> None:
        """Scroll so that the highlighted row is on screen: Enter picks what is seen."""
        shown = max(1, self.content_size.height)
        if self._highlighted is None:
            return
        if self._highlighted < self._top:
            self._top = self._highlighted
        elif self._highlighted >= self._top + shown:
            self._top = self._highlighted - shown + 1

    def choice(self) -> str | None:
        """The highlighted row's id (``None`` when nothing can be picked)."""
        if self._highlighted is None or self._highlighted >= len(self._rows):
            return None
        return self._rows[self._highlighted].id

    def row_text(self, index: int) -> str:
        return self._rows[index].text.plain

    # --- drawing --------------------------------------------------------------------------

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._rows)

    def render_lines(self, crop: Region) -> list[Strip]:
        # The styles once per paint, not once per line (``rich_style`` walks the DOM).
        base = self.rich_style
        self._styles = (
            base,
            base + self.get_component_rich_style("match-list--highlight"),
            base + self.get_component_rich_style("match-list--note"),
        )
        return super().render_lines(crop)

    def on_resize(self, event: events.Resize) -> None:
        self._top = 0
        self._keep_in_sight()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base, highlight, note = self._styles
        y += self._top
        if y >= len(self._rows):
            return Strip.blank(width, base)
        if self._rows[y].id is None:
            style = note
        elif y == self._highlighted:
            style = highlight
        else:
            style = base
        return Strip(self._segments[y]).crop_extend(0, width, style).apply_style(style)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None:
            self.highlighted = self._top + offset.y
