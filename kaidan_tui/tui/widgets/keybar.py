"""The key bar at the foot of a screen: the screen's main keys, drawn once.

Textual's ``Footer`` rebuilds itself (one widget per key) every time focus moves,
which on the order screen cost more than the clerk's keystroke itself. The keys a
screen offers do not change with focus, so this bar is plain text made once; F1 still
lists every key of the focused widget, and Ctrl+P every action by name.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

_NAMES = {"ctrl": "^", "delete": "Del", "escape": "Esc"}


def key_hint(key: str) -> str:
    """``ctrl+delete`` → ``^Del``, ``f9`` → ``F9`` (compact, as keyboards print them)."""
    first = key.split(",")[0]
    parts = first.split("+")
    out = ""
    for part in parts[:-1]:
        out += _NAMES.get(part, part.capitalize() + "+")
    last = parts[-1]
    return out + (last.upper() if len(last) <= 3 else _NAMES.get(last, last))


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $panel;
        color: $text-muted;
        padding: 0 1;
    }
    """

    def on_mount(self) -> None:
        self.call_after_refresh(self._draw)

    def _draw(self) -> None:
        text = Text()
        text.append(" F1 ", style="bold")
        text.append("全部按键 ")
        text.append(" ^P ", style="bold")
        text.append("命令 ")
        seen: set[str] = {"show_help_panel", "app.show_help_panel", "command_palette"}
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            text.append(f" {key_hint(binding.key)} ", style="bold")
            text.append(f"{binding.description} ")
        self.update(text)
