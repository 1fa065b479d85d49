"""The kaidan Textual app: login, then the working screens; the print spool runs here.

Cold start matters (a clerk restarts the app between customers): this module imports
only Textual and the pure domain. The login screen is up at once, and the store
(SQLAlchemy, the models, the printers) is opened by a worker while the clerk types.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen

from kaidan_tui.domain.enums import JobStatus
from kaidan_tui.domain.errors import KaidanError, StateError
from kaidan_tui.tui.host import KaidanHost
from kaidan_tui.tui.screens.login import LoginScreen
from kaidan_tui.tui.screens.printing import PrintSent, UncertainPrint
from kaidan_tui.tui.screens.too_small import fit_notice
from kaidan_tui.tui.typeahead import KeepsTypeAhead, apply_key
from kaidan_tui.tui.widgets.keyhelp import key_label

if TYPE_CHECKING:
    from kaidan_tui.db.engine import Database
    from kaidan_tui.printing.config import PrintersConfig
    from kaidan_tui.services.spool import JobView, RunReport
    from kaidan_tui.services.users import UserInfo
    from kaidan_tui.tui.screens.order_entry import OrderEntryScreen

log = logging.getLogger(__name__)

_NOT_WHILE_SAVING = frozenset(
    {"quit", "order_entry", "lookup", "daily", "catalog", "retry_print", "command_palette"}
)

SPOOL_INTERVAL = 5.0
"""Seconds between automatic retries of jobs waiting for a printer."""


class KaidanApp(KaidanHost):
    CSS_PATH = "app.tcss"
    TITLE = "开单"
    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: a dialog is modal, and a modal screen hides the app's other keys
        Binding("ctrl+q", "quit", "退出", id="app.quit", tooltip="退出开单", priority=True),
        Binding("f1", "show_help_panel", "按键帮助", id="app.help", tooltip="显示本屏所有按键"),
        Binding("f2", "order_entry", "开单", id="app.order", tooltip="开单界面"),
        Binding("f3", "lookup", "查询", id="app.lookup", tooltip="查询单据：补打、作废、红冲"),
        Binding("f4", "daily", "日报", id="app.daily", tooltip="日报、司机点款、回单、日结"),
        Binding("f5", "catalog", "查资料", id="app.catalog", tooltip="查找商品、客户资料"),
        Binding(
            "ctrl+r",
            "retry_print",
            "重试打印",
            id="app.retry_print",
            tooltip="立即重试待打印的单据",
        ),
        Binding(
            "ctrl+p",
            "command_palette",
            "命令",
            show=False,
            priority=True,
            id="app.palette",
            tooltip="按名称查找并执行本屏的任何操作",
        ),
    ]

    print_status: reactive[str] = reactive("")
    """The print banner's text: empty when nothing waits for a printer."""

    def __init__(
        self,
        db: Database | Callable[[], Database],
        *,
        printers: PrintersConfig | None = None,
        printers_path: str = "",
    ) -> None:
        """``db`` is an open store, or a function that opens one (called in a worker)."""
        super().__init__()
        self._opener = db if callable(db) else None
        self._db: Database | None = None if callable(db) else db
        self._store_error = ""
        self._store_ready = threading.Event()
        self.user: UserInfo | None = None
        self.printers = printers
        self._printers_path = printers_path
        self._printers_error = ""
        self._quit_refused = 0.0  # when Ctrl+Q could not hold the order (monotonic)
        self.uncertain_jobs: list[JobView] = []

    @property
    def db(self) -> Database:
        """The store; waits (in a worker thread) until the background open is done."""
        self._store_ready.wait()
        if self._db is None:
            raise StateError(self._store_error or "数据库没有打开")
        return self._db

    @work(thread=True, exclusive=True, group="store", exit_on_error=False)
    def _open_store(self) -> None:
        try:
            if self._db is None and self._opener is not None:
                self._db = self._opener()
            assert self._db is not None
            if self.printers is None:
                from kaidan_tui.services import printouts

                try:
                    self.printers = printouts.load_printers(self._db, self._printers_path or None)
                except KaidanError as exc:
                    self._printers_error = f"打印机配置有误，单据照常保存但不会打印：{exc.message}"
            # Warm the screens' imports while the clerk is still typing the PIN.
            import kaidan_tui.tui.screens.order_entry  # noqa: F401
            from kaidan_tui.tui.keymap import binding_table, load_keymap

            try:
                keymap = load_keymap({row[0] for row in binding_table(type(self))})
            except KaidanError as exc:
                self._printers_error = f"{exc.message}（按键保持默认）"
            else:
                if keymap:
                    self.call_from_thread(self.update_keymap, keymap)
        except KaidanError as exc:
            self._store_error = exc.message
        except Exception as exc:  # never a traceback: the login screen shows it
            self._store_error = f"打不开数据库：{exc}"
        finally:
            self._store_ready.set()
        if self._store_error:
            self.call_from_thread(self._store_failed)

    def _store_failed(self) -> None:
        message = f"{self._store_error}（按 Ctrl+Q 退出）"
        if isinstance(self.screen, LoginScreen):
            self.screen.show_error(message)
        else:
            self.notify(message, severity="error", timeout=60)

    async def on_event(self, event: events.Event) -> None:
        is_key = isinstance(event, events.Key) and not event.is_forwarded
        if is_key and isinstance(self.screen, KeepsTypeAhead) and self.screen.keep(event):  # type: ignore[arg-type]
            return  # kept for later, in key order
        if is_key and apply_key(self.focused, event):  # type: ignore[arg-type]
            return  # typed into the focused field now, in key order
        await super().on_event(event)

    def on_resize(self, event: events.Resize) -> None:
        fit_notice(self, event.size)

    def on_mount(self) -> None:
        self.push_screen(LoginScreen(lambda: self.db), self._logged_in)
        fit_notice(self, self.size)
        # After the first paint: the imports hold the GIL and would delay drawing.
        self.call_after_refresh(self._open_store)

    def _logged_in(self, user: UserInfo | None) -> None:
        from kaidan_tui.tui.screens.order_entry import OrderEntryScreen

        if user is None:
            self.exit()
            return
        self.user = user
        order = OrderEntryScreen(self.db, user)
        self.push_screen(order)
        from kaidan_tui.tui.screens.dialogs import offer_unfinished

        offer_unfinished(self, order, user)
        self.call_after_refresh(self._freeze_heap)
        self.print_status = self._printers_error
        if self.printers is not None:
            self.set_interval(SPOOL_INTERVAL, self.wake_spool)
            self.wake_spool()

    @staticmethod
    def _freeze_heap() -> None:
        """What is loaded by now (Textual, SQLAlchemy, the models, the screens) lives as
        long as the app. Left to the collector, every full collection walked all of it:
        60-100 ms with the clerk waiting, every few dozen keystrokes or during a post.
        Collected once here (the order screen is already drawn), then set aside."""
        gc.collect()
        gc.freeze()

    # --- printing -----------------------------------------------------------------------

    def wake_spool(self) -> None:
        if self.printers is not None:
            self._run_spool(self.printers)

    @work(thread=True, exclusive=True, group="spool", exit_on_error=False)
    def _run_spool(self, printers: PrintersConfig) -> None:
        from kaidan_tui.services import spool

        try:
            report = spool.run_once(self.db, printers)
            left = spool.outstanding(self.db, printers.printers)
        except Exception:  # the store is busy or gone: say so, retry next tick
            log.exception("print spool run failed")
            self.call_from_thread(self._spool_failed)
            return
        self.call_from_thread(self._spool_done, report, left)

    def _spool_failed(self) -> None:
        self.print_status = (
            "⚠ 暂时读不到打印队列（数据库忙或连不上），会自动重试；单据已保存，不受影响。"
        )

    def _spool_done(self, report: RunReport, left: list[JobView]) -> None:
        # To the screen under any dialog: the order screen says it on its status line.
        target = next(s for s in reversed(self.screen_stack) if not isinstance(s, ModalScreen))
        for sent in report.sent:
            shown = self.printer_label(sent.printer)
            target.post_message(PrintSent(sent.number, shown, sent.reprint_no))
        self.uncertain_jobs = [j for j in left if j.status is JobStatus.UNCERTAIN]
        waiting = [j for j in left if j.status is JobStatus.PENDING]
        failed = [j for j in left if j.status is JobStatus.FAILED]
        parts = []
        if self.uncertain_jobs:
            first = self.uncertain_jobs[0]
            parts.append(
                f"⚠ {len(self.uncertain_jobs)} 张单不确定是否打出（{first.number} 在 "
                f"{self.printer_label(first.printer)}）：看过打印机后按 Ctrl+R 确认"
            )
        if waiting:
            first = waiting[0]
            reason = first.last_error or f"等待打印机 {self.printer_label(first.printer)}"
            parts.append(f"⚠ {len(waiting)} 张单待打印（{first.number} 等）：{reason}")
        if failed:
            first = failed[0]
            parts.append(
                f"⚠ {len(failed)} 张单无法打印（{first.number}）：{first.last_error}。"
                f"可用 kaidan print job reroute {first.id} --printer 其他打印机"
            )
        self.print_status = "\n".join(parts) or self._printers_error

    def _order_screen(self) -> OrderEntryScreen | None:
        from kaidan_tui.tui.screens.order_entry import OrderEntryScreen

        return next((s for s in self.screen_stack if isinstance(s, OrderEntryScreen)), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While a slip is being saved, no key leaves the order screen or opens anything
        over it (the post's answer closes the screen it was started from). Asked for every
        binding from the login screen on: it must not import the order screen (and with
        it the database libraries) onto the cold-start path."""
        if action not in _NOT_WHILE_SAVING:
            return True
        return not any(getattr(screen, "posting", False) for screen in self.screen_stack)

    async def action_quit(self) -> None:
        """Ctrl+Q. An order still on the order screen is held first (F7 brings it back
        after the next login). If it cannot be held, the app stays open and says why;
        Ctrl+Q again within 5 s quits all the same."""
        order = self._order_screen()
        again = time.monotonic() - self._quit_refused < 5
        had = order is not None and order._has_work()
        problem = order.park() if order is not None and not again else None
        if problem is not None:
            self._quit_refused = time.monotonic()
            self.notify(
                f"{problem}没有退出。5 秒内再按 Ctrl+Q 就退出（本单已自动保存，下次登录可恢复）。",
                severity="error",
            )
            return
        # Said in the terminal once the app is gone: where the order on screen went.
        said = order._said if order is not None and had and not again else None
        self.exit(message=f"kaidan：{said}" if said else None)

    def rescue(self) -> str:
        order = self._order_screen()
        if order is None:
            return ""
        had = order._has_work()
        problem = order.park()
        if problem is not None:
            return f"未完成的单没能挂起：{problem}"
        return "未完成的单已挂起，重新登录后按 F7 调出。" if had else ""

    def on_print_sent(self, message: PrintSent) -> None:
        self.notify(message.text, title="打印")

    def _ask_uncertain(self, job: JobView) -> None:
        """Only on the clerk's key (Ctrl+R): the answer decides whether a 补打 prints."""

        def answered(printed: bool | None) -> None:
            from kaidan_tui.services import spool

            if printed is None or self.user is None:
                self.notify("未确认；看过打印机后再按 Ctrl+R。", title="打印")
                return
            try:
                again = spool.resolve(self.db, job.id, printed=printed, user=self.user)
            except KaidanError as exc:
                self.notify(exc.message, severity="error")
                return
            if again is not None:
                self.notify(f"{again.number} 将补打（补打 {again.reprint_no}）", title="打印")
            self.wake_spool()

        self.push_screen(UncertainPrint(job), answered)

    def action_retry_print(self) -> None:
        """Ctrl+R: first settle any slip that may not have printed, then retry the rest."""
        if self.printers is None:
            self.notify(self._printers_error or "没有配置打印机", severity="warning")
            return
        if self.uncertain_jobs and not isinstance(self.screen, UncertainPrint):
            self._ask_uncertain(self.uncertain_jobs.pop(0))
            return
        self.notify("正在重试打印…", title="打印")
        self.wake_spool()

    # --- command palette ----------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every action of the screen by its Chinese name (the same ones F1 lists)."""
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            # Ours carry an id; Textual's own (the Input's editing keys) stay out.
            if not binding.id or not binding.description or binding.action in seen:
                continue
            if binding.action in ("command_palette", "app.command_palette"):
                continue
            if binding.key.split(",")[0] in ("enter", "up", "down"):
                continue  # moving about a screen is not a command
            seen.add(binding.action)
            title = f"{binding.description}（{key_label(binding.key)}）"
            yield SystemCommand(
                title,
                active.tooltip or binding.tooltip or binding.description,
                partial(self.run_action, binding.action, active.node),
            )
        yield SystemCommand("按键帮助", "显示或隐藏本屏所有按键", self.action_show_help_panel)
        yield SystemCommand("切换配色", "换一个界面主题", self.action_change_theme)
        yield SystemCommand(
            "截图",
            "把当前屏幕保存为 SVG 图片（存到 ~/kaidan截图）",
            lambda: self.set_timer(0.1, self.save_screen),
        )

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        from kaidan_tui.tui.widgets.palette import Palette

        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(
                Palette(id="--command-palette", placeholder="输入操作名称查找，如 挂单、预览…")
            )

    def save_screen(self) -> None:
        """截图, into a folder of its own: Textual's default, ~/Downloads, is often missing
        on a counter PC, and the screenshot then failed with an English message."""
        folder = Path.home() / "kaidan截图"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            saved = self.save_screenshot(path=str(folder))
        except OSError as exc:
            self.notify(f"截图没能保存：{exc}", severity="error")
            return
        self.notify(f"截图已保存：{saved}", title="截图")

    # --- screens ------------------------------------------------------------------------

    def action_order_entry(self) -> None:
        from kaidan_tui.tui.screens.catalog import CatalogScreen
        from kaidan_tui.tui.screens.daily import DailyScreen
        from kaidan_tui.tui.screens.lookup import LookupScreen

        while isinstance(self.screen, CatalogScreen | LookupScreen | DailyScreen):
            self.pop_screen()

    def action_daily(self) -> None:
        from kaidan_tui.tui.screens.daily import DailyScreen

        if self.user is None or isinstance(self.screen, DailyScreen | LoginScreen | ModalScreen):
            return
        self.action_order_entry()
        self.push_screen(DailyScreen(self.db, self.user))

    def action_lookup(self) -> None:
        from kaidan_tui.tui.screens.lookup import LookupScreen

        if self.user is None or isinstance(self.screen, LookupScreen | LoginScreen):
            return
        if isinstance(self.screen, ModalScreen):
            return
        self.action_order_entry()
        self.push_screen(LookupScreen(self.db, self.user))

    def action_catalog(self) -> None:
        from kaidan_tui.tui.screens.catalog import CatalogScreen

        if self.user is None or isinstance(self.screen, CatalogScreen | LoginScreen | ModalScreen):
            return
        self.action_order_entry()
        self.push_screen(CatalogScreen(self.db, self.user))

    def action_show_help_panel(self) -> None:
        """F1: this screen's keys in Chinese (widgets/keyhelp.py); F1 again hides them."""
        from kaidan_tui.tui.widgets.keyhelp import KeysHelp

        if shown := self.screen.query(KeysHelp):
            shown.remove()
        else:
            self.screen.mount(KeysHelp())

    def action_hide_help_panel(self) -> None:
        from kaidan_tui.tui.widgets.keyhelp import KeysHelp

        self.screen.query(KeysHelp).remove()
