"""登录: clerk code, Enter, PIN, Enter."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from kaidan_tui.domain.errors import KaidanError
from kaidan_tui.tui.host import ReportsWorkerErrors
from kaidan_tui.tui.typeahead import Field, TypeAheadFocus
from kaidan_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from kaidan_tui.db.engine import Database
    from kaidan_tui.services.users import UserInfo  # noqa: F401 (the Screen["UserInfo"] base)


class LoginScreen(ReportsWorkerErrors, TypeAheadFocus, Screen["UserInfo"]):
    """Dismisses with the logged-in user.

    The screen is up before the store is open: ``store`` blocks (in the login worker
    thread) until the app has opened it in the background, so the clerk can type at once.
    """

    PLACE = "登录"

    BINDINGS: ClassVar[list[BindingType]] = [
        # ctrl+j: an Enter typed before the app took the terminal arrives as a line feed.
        Binding("enter,ctrl+j", "enter", "确定", show=False, priority=True, id="login.enter"),
    ]

    def __init__(self, store: Callable[[], Database]) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        with Vertical(id="login-box"):
            yield Static("开单 · 登录", id="login-title")
            yield Label("用户编码")
            yield Field(id="code", placeholder="如 1001")
            yield Label("PIN")
            yield Field(id="pin", password=True, placeholder="4–8 位数字")
            yield Static("", id="login-error")
        yield KeyBar()

    def action_enter(self) -> None:
        """Enter moves to the PIN, then logs in; focus moves at once (type-ahead safe)."""
        code = self.query_one("#code", Input)
        pin = self.query_one("#pin", Input)
        if self.focused is code:
            self.set_focus(pin)
        elif self.focused is pin:
            self._login(code.value, pin.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="login")
    def _login(self, code: str, pin: str) -> None:
        try:
            # Wait for the store first: the app's worker is importing the database
            # modules, and importing them from two threads at once can fail.
            store = self.store()
            from kaidan_tui.services import users

            user = users.login(store, code, pin)
        except KaidanError as exc:
            self.app.call_from_thread(self._show_error, exc.message, exc.field)
            return
        self.app.call_from_thread(self.dismiss, user)

    def show_error(self, message: str) -> None:
        """A problem not caused by what was typed (the store cannot be opened)."""
        self.query_one("#login-error", Static).update(Text(message))

    def _show_error(self, message: str, field: str | None) -> None:
        self.query_one("#login-error", Static).update(Text(message))
        pin = self.query_one("#pin", Input)
        pin.value = ""
        if field == "code":
            self.set_focus(self.query_one("#code", Input))
        else:
            self.set_focus(pin)
