"""F1: this screen's keys, in Chinese, then the keys that work everywhere.

Textual's own help panel lists the focused field's editing keys first, in English
("Move cursor left", "Scroll Up"); a clerk needs the screen's actions. Only bindings
with an id are listed: those are ours, named in Chinese, and movable in keymap.toml."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from kaidan_tui.printing.text import wrap
from kaidan_tui.tui.cells import pad

_KEY_NAMES = {"ctrl": "Ctrl", "alt": "Alt", "shift": "Shift", "delete": "Del", "escape": "Esc"}
_KEY_WORDS = {"pageup": "PgUp", "pagedown": "PgDn", "up": "↑", "down": "↓", "enter": "Enter"}


def key_label(key: str) -> str:
    """``ctrl+delete`` → ``Ctrl+Del``, ``f9`` → ``F9`` (as printed on the keyboard)."""
    first = key.split(",")[0]
    if first in _KEY_WORDS:
        return _KEY_WORDS[first]
    return "+".join(_KEY_NAMES.get(part, part.upper()) for part in first.split("+"))


def help_text(
    screen_bindings: list[Binding], app_bindings: list[Binding], place: str, width: int = 0
) -> Text:
    """The key list; a key's longer note goes on its own line unless the row has room
    (``width`` columns: the panel is the whole width on a narrow screen)."""
    text = Text()
    text.append(f"{place}的按键", style="bold")
    text.append("（F1 关闭）\n\n", style="dim")
    seen: set[str] = set()
    for title, bindings in ((None, screen_bindings), ("任何界面", app_bindings)):
        rows = []
        for b in bindings:  # a binding with two keys is listed once, by its first
            if b.id and b.description and b.id not in seen:
                seen.add(b.id)
                rows.append(b)
        if not rows:
            continue
        if title:
            text.append(f"\n{title}\n", style="bold")
        for b in rows:
            text.append(pad(key_label(b.key), 10), style="bold cyan")
            note = b.tooltip if b.tooltip and b.tooltip != b.description else ""
            if note and "\n" not in note and 10 + 14 + cell_len(note) <= width:
                text.append(pad(b.description, 14))
                text.append(f"{note}\n", style="dim")
                continue
            text.append(f"{b.description}\n")
            room = width - 10 if width > 20 else 10_000  # the width is known once laid out
            for line in note.splitlines():
                for row in wrap(line, room):
                    text.append(f"{'':10}{row}\n", style="dim")
    return text


class KeysHelp(VerticalScroll):
    """The F1 panel, split off at the right of the screen (as Textual's own: a panel on
    a layer over the screen blanked the hanzi that straddled a widget's edge below)."""

    DEFAULT_CSS = """
    KeysHelp {
        split: right;
        width: 40;
        max-width: 50%;
        height: 100%;
        border-left: vkey $foreground 30%;
        padding: 0 1;
        background: $panel;
    }
    """

    def on_mount(self) -> None:
        screen = self.screen
        active = [a.binding for a in screen.active_bindings.values()]
        self.rows = (
            [b for b in active if b.id and not b.id.startswith("app.")],
            [b for b in active if b.id and b.id.startswith("app.")],
        )
        self.place = str(getattr(screen, "PLACE", "本屏"))
        self.mount(Static(help_text(*self.rows, self.place)))

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width - 1  # room for the scrollbar
        self.query_one(Static).update(help_text(*self.rows, self.place, width))
