"""What the screens ask of the app they run in, and how their workers fail.

Screens declare ``app = getters.app(KaidanHost)`` and use its printers and spool typed,
instead of asking ``getattr(self.app, …)``; :class:`~kaidan_tui.tui.app.KaidanApp` is
the host.

No silent failures: the screens' workers run with ``exit_on_error=False`` (a failed
lookup must not close the app) and catch what they expect (``KaidanError``). Anything
else used to vanish into the log; :class:`ReportsWorkerErrors` turns it into a message in
Chinese that says what was being done, and keeps everything typed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import App
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
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

    def wake_spool(self) -> None:
        """Send what is waiting now, instead of at the spool's next tick."""


log = logging.getLogger(__name__)

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


class ReportsWorkerErrors:
    """Mixed into a screen: its failed workers end in a message, not in silence."""

    WORKER_TASKS: ClassVar[dict[str, str]] = TASKS

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        worker = event.worker
        error = worker.error
        log.error("worker %s failed", worker.name, exc_info=error)
        what = self.WORKER_TASKS.get(worker.group, "后台任务")
        message = f"{what}失败（{type(error).__name__}: {error}）。已录入的内容都在，请重试。"
        self.worker_failed(message)

    def worker_failed(self, message: str) -> None:
        """Show it: a screen with its own message line overrides this."""
        cast("Widget", self).notify(message, severity="error", timeout=10)
