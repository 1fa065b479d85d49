"""What the screens ask of the app they run in, and how their workers fail.

Screens declare ``app = getters.app(KaidanHost)`` and use its printers and spool typed,
instead of asking ``getattr(self.app, …)``; :class:`~kaidan_tui.tui.app.KaidanApp` is
the host.

No silent failures: the screens' workers run with ``exit_on_error=False`` (a failed
lookup must not close the app) and catch what they expect (``KaidanError``). Anything
else used to vanish into the log; :class:`ReportsWorkerErrors` turns it into a message in
Chinese that says what was being done, and keeps everything typed.

No exception ends the app: :class:`KaidanHost` catches what escapes an action (a key,
a palette command) or a message handler of the app or a screen, writes the traceback to
kaidan-error.log and says so in Chinese, and the order stays on screen. Only an error
Textual cannot recover from (a screen's own message loop has stopped) still ends the app:
the order is held first, the exit code is 1, and the message is Chinese.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual.app import App
from textual.worker import Worker, WorkerState

from kaidan_tui.services import error_log

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.message import Message
    from textual.widget import Widget

    from kaidan_tui.domain.enums import SlipType
    from kaidan_tui.printing.config import PrintersConfig


class KaidanHost(App[None]):
    printers: PrintersConfig | None = None
    """printers.toml, once loaded (None until then, or when it could not be read)."""

    def printer_for(self, kind: SlipType) -> str | None:
        """The printer a slip of this type goes to (``printers.toml`` routing)."""
        if self.printers is None:
            return None
        target = self.printers.route(kind.kind.route)
        return target.name if target else None

    def printer_label(self, name: str | None) -> str:
        """A printer as the clerk knows it (its ``label`` in printers.toml), not its id."""
        if name is None:
            return "（无打印机）"
        return self.printers.label(name) if self.printers is not None else name

    def wake_spool(self) -> None:
        """Send what is waiting now, instead of at the spool's next tick."""

    strict: bool = False
    """Set by the tests: an error reported and survived still fails the test (pilot
    raises it when the test ends), so a bug cannot hide behind the safety net."""

    def report_error(self, error: BaseException, doing: str = "") -> str:
        """Log ``error`` to kaidan-error.log and return what to tell the clerk."""
        path = error_log.write(error, context=doing or "操作")
        log.error("%s failed", doing or "action", exc_info=error)
        if self.strict and self._exception is None and isinstance(error, Exception):
            self._exception = error
        what = doing or "操作"
        return (
            f"{what}出错了（{type(error).__name__}: {error}）。已录入的内容都在，可以继续；"
            f"详细信息已记录到 {path}。"
        )

    def survive(self, error: BaseException, doing: str = "") -> None:
        self.notify(self.report_error(error, doing), severity="error", timeout=15)

    def rescue(self) -> str:
        """Before the app must end: keep what is on screen; say where it went."""
        return ""

    async def _dispatch_action(self, namespace: DOMNode, action_name: str, params: Any) -> bool:
        try:
            return await super()._dispatch_action(namespace, action_name, params)
        except Exception as exc:  # a key or a palette command: the app goes on
            self.survive(exc, _named(namespace, action_name))
            return True

    async def _dispatch_message(self, message: Message) -> None:
        try:
            await super()._dispatch_message(message)
        except Exception as exc:
            self.survive(exc)

    def _handle_exception(self, error: Exception) -> None:
        """The last resort (Textual stops the loop that raised): hold the order, log, and
        end with a Chinese message and exit code 1 instead of a traceback."""
        path = error_log.write(error, context="程序出错退出")
        try:
            kept = self.rescue()
        except Exception as exc:
            kept = f"未完成的单没能挂起（{exc}）。"
        self._return_code = 1
        if self._exception is None:
            self._exception = error  # under pilot the test sees it
            self._exception_event.set()
        self.panic(
            Text(
                f"开单程序出错，已退出（{type(error).__name__}: {error}）。{kept}\n"
                f"详细信息已记录到 {path}，请联系管理员。"
            )
        )


log = logging.getLogger(__name__)


def _named(namespace: DOMNode, action_name: str) -> str:
    """The action as the clerk knows it: the description of the binding that runs it."""
    for bindings in namespace._bindings.key_to_bindings.values():
        for binding in bindings:
            if binding.description and binding.action.split("(")[0] == action_name:
                return str(binding.description)
    return f"操作（{action_name}）"


TASKS = {
    "login": "登录",
    "lookup": "查询",
    "search": "查找",
    "aging": "读取客户欠款",
    "check": "检查单据",
    "post": "过账",
    "daily": "读取日报",
    "close": "日结",
}
"""Worker group → what the clerk was waiting for."""


class Guarded:
    """Mixed into every screen and dialog: a handler of it that raises is reported (see
    the module's docstring), and the screen goes on."""

    async def _dispatch_message(self, message: Message) -> None:
        """A handler of the screen that raises must not stop the screen's message loop
        (Textual would then end the app): it is reported, and the screen goes on."""
        try:
            await super()._dispatch_message(message)  # type: ignore[misc]
        except Exception as exc:
            app = cast("Widget", self).app
            if not isinstance(app, KaidanHost):
                raise
            app.survive(exc)


class ReportsWorkerErrors(Guarded):
    """Mixed into a screen: its failed workers end in a message, not in silence."""

    WORKER_TASKS: ClassVar[dict[str, str]] = TASKS

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        worker = event.worker
        error = worker.error
        assert error is not None
        what = self.WORKER_TASKS.get(worker.group, "后台任务")
        app = cast("Widget", self).app
        if isinstance(app, KaidanHost):
            message = app.report_error(error, what)
        else:
            log.error("worker %s failed", worker.name, exc_info=error)
            message = f"{what}失败（{type(error).__name__}: {error}）。已录入的内容都在，请重试。"
        self.worker_failed(message)

    def worker_failed(self, message: str) -> None:
        """Show it: a screen with its own message line overrides this."""
        cast("Widget", self).notify(message, severity="error", timeout=10)
