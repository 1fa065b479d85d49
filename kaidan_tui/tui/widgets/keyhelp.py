"""F1: this screen's keys, in Chinese, then the keys that work everywhere.

Textual's own help panel lists the focused field's editing keys first, in English
("Move cursor left", "Scroll Up"); a clerk needs the screen's actions. Only bindings
with an id are listed: those are ours, named in Chinese, and movable in keymap.toml."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from kaidan_tui.tui.cells import pad

_KEY_NAMES = {"ctrl": "Ctrl", "alt": "Alt", "shift": "Shift", "delete": "Del", "escape": "Esc"}
_KEY_WORDS = {"pageup": "PgUp", "pagedown": "PgDn", "up": "↑", "down": "↓", "enter": "Enter"}


def key_label(key: str) -> str:
    """``ctrl+delete`` → ``Ctrl+Del``, ``f9`` → ``F9`` (as printed on the keyboard)."""
    first = key.split(",")[0]
    if first in _KEY_WORDS:
        return _KEY_WORDS[first]
    return "+".join(_KEY_NAMES.get(part, part.upper()) for part in first.split("+"))


def help_text(screen_bindings: list[Binding], app_bindings: list[Binding], place: str) -> Text:
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
            text.append(f"{b.description}\n")
            if b.tooltip and b.tooltip != b.description:
                text.append(f"{'':10}{b.tooltip}\n", style="dim")
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
        screen_rows = [b for b in active if b.id and not b.id.startswith("app.")]
        app_rows = [b for b in active if b.id and b.id.startswith("app.")]
        place = str(getattr(screen, "PLACE", "本屏"))
        self.mount(Static(help_text(screen_rows, app_rows, place)))
