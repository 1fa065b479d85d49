"""Ctrl+P: Textual's command palette, with its one English line said in Chinese."""

from __future__ import annotations

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.widgets.option_list import Option

NO_MATCHES = "没有这个操作（试试 挂单、预览、作废…）"


class Palette(CommandPalette):
    def _start_no_matches_countdown(self, search_value: str) -> None:
        """As Textual 8.2.8 does it (the version is pinned), with the line in Chinese."""
        self._stop_no_matches_countdown()

        def show() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(NO_MATCHES, style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show)
