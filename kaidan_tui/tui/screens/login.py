"""登录: clerk code, Enter, PIN, Enter."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Static

from kaidan_tui.db.engine import Database
from kaidan_tui.domain.errors import KaidanError
from kaidan_tui.services import users
from kaidan_tui.services.users import UserInfo


class LoginScreen(Screen[UserInfo]):
    """Dismisses with the logged-in user."""

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db

    def compose(self) -> ComposeResult:
        with Vertical(id="login-box"):
            yield Static("开单 · 登录", id="login-title")
            yield Label("用户编码")
            yield Input(id="code", placeholder="如 1001")
            yield Label("PIN")
            yield Input(id="pin", password=True, placeholder="4–8 位数字")
            yield Static("", id="login-error")
        yield Footer()

    @on(Input.Submitted, "#code")
    def _code_done(self) -> None:
        self.query_one("#pin", Input).focus()

    @on(Input.Submitted, "#pin")
    def _pin_done(self) -> None:
        code = self.query_one("#code", Input).value
        pin = self.query_one("#pin", Input).value
        self._login(code, pin)

    @work(thread=True, exclusive=True, exit_on_error=False, group="login")
    def _login(self, code: str, pin: str) -> None:
        try:
            user = users.login(self.db, code, pin)
        except KaidanError as exc:
            self.app.call_from_thread(self._show_error, exc.message, exc.field)
            return
        self.app.call_from_thread(self.dismiss, user)

    def _show_error(self, message: str, field: str | None) -> None:
        self.query_one("#login-error", Static).update(message)
        pin = self.query_one("#pin", Input)
        pin.value = ""
        if field == "code":
            self.query_one("#code", Input).focus()
        else:
            pin.focus()
