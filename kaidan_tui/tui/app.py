"""The kaidan Textual app: login, then the working screens."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType

from kaidan_tui.db.engine import Database
from kaidan_tui.services.users import UserInfo
from kaidan_tui.tui.screens.catalog import CatalogScreen
from kaidan_tui.tui.screens.login import LoginScreen
from kaidan_tui.tui.screens.order_entry import OrderEntryScreen
from kaidan_tui.tui.typeahead import apply_key


class KaidanApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "开单"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "退出", id="app.quit", tooltip="退出开单"),
        Binding("f1", "show_help_panel", "按键帮助", id="app.help", tooltip="显示本屏所有按键"),
        Binding("f2", "order_entry", "开单", id="app.order", tooltip="开单界面"),
        Binding("f5", "catalog", "查资料", id="app.catalog", tooltip="查找商品、客户资料"),
    ]

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self.user: UserInfo | None = None

    async def on_event(self, event: events.Event) -> None:
        is_key = isinstance(event, events.Key) and not event.is_forwarded
        if is_key and apply_key(self.focused, event):  # type: ignore[arg-type]
            return  # typed into the focused field now, in key order
        await super().on_event(event)

    def on_mount(self) -> None:
        self.push_screen(LoginScreen(self.db), self._logged_in)

    def _logged_in(self, user: UserInfo | None) -> None:
        if user is None:
            self.exit()
            return
        self.user = user
        self.push_screen(OrderEntryScreen(self.db, user))

    def action_order_entry(self) -> None:
        while isinstance(self.screen, CatalogScreen):
            self.pop_screen()

    def action_catalog(self) -> None:
        if self.user is not None and not isinstance(self.screen, CatalogScreen | LoginScreen):
            self.push_screen(CatalogScreen(self.db, self.user))

    def action_show_help_panel(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            super().action_show_help_panel()
