"""The app in a real terminal, for tests/test_pty_keys.py.

``python -m tests.support.pty_app STORE PLACE LOG`` runs the kaidan app (its stdin and
stdout are the pty the test opened) and appends to LOG one line for every action it
dispatches (``action <class> <name>``). After the clerk has logged in (through the pty,
as typed), the screen or dialog named PLACE (a class name) is put up, and ``ready`` is
logged; SIGUSR1 puts it up again, fresh, after a key has closed it or moved elsewhere.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.dom import DOMNode

from kaidan_tui.db.engine import Database
from kaidan_tui.domain.enums import JobStatus, SlipType
from kaidan_tui.services.users import UserInfo
from kaidan_tui.tui import app as app_module
from kaidan_tui.tui.app import KaidanApp


def record(line: str) -> None:
    with open(sys.argv[3], "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def dialog(app: KaidanApp, place: str) -> Any:
    """A fresh instance of the dialog ``place``, with enough in it to answer its keys."""
    from kaidan_tui.services.daily import DriverCash
    from kaidan_tui.services.spool import JobView
    from kaidan_tui.tui.screens.daily import CashDialog
    from kaidan_tui.tui.screens.dialogs import (
        ApprovalDialog,
        ConfirmPost,
        DayClosed,
        DiscountDialog,
        HeldOrders,
        Unfinished,
    )
    from kaidan_tui.tui.screens.lookup import ReasonDialog
    from kaidan_tui.tui.screens.printing import PrintPreview, UncertainPrint
    from kaidan_tui.tui.screens.type_pick import TypePick

    today = date.today()
    job = JobView(1, 1, "XS20260001", "preview", JobStatus.UNCERTAIN, 0, 1, "", datetime.now())
    made: dict[str, Any] = {
        "ConfirmPost": lambda: ConfirmPost(Text("测试"), preview=lambda: None),
        "ApprovalDialog": lambda: ApprovalDialog([]),
        "HeldOrders": lambda: HeldOrders([]),
        "Unfinished": lambda: Unfinished([]),
        "DiscountDialog": lambda: DiscountDialog(Decimal("100"), ""),
        "DayClosed": lambda: DayClosed(today, today + timedelta(days=1), today=today),
        "ReasonDialog": lambda: ReasonDialog("作废原因"),
        "CashDialog": lambda: CashDialog(DriverCash("张师傅", [], Decimal("10"), None, "")),
        "PrintPreview": lambda: PrintPreview("打印预览", "测试\n" * 80),
        "UncertainPrint": lambda: UncertainPrint(job),
        "TypePick": lambda: TypePick(list(SlipType), SlipType.SALE, lines=0),
    }
    return made[place]()


class ProbeApp(KaidanApp):
    CSS_PATH = str(Path(app_module.__file__).parent / "app.tcss")  # not beside this file
    place = sys.argv[2]

    async def _dispatch_action(self, namespace: DOMNode, action_name: str, params: Any) -> bool:
        record(f"action {type(namespace).__name__} {action_name}")
        return await super()._dispatch_action(namespace, action_name, params)

    def _logged_in(self, user: UserInfo | None) -> None:
        super()._logged_in(user)
        if user is not None:
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGUSR1, lambda: self.call_later(self._reset))
            self.call_after_refresh(self._reset)

    async def _reset(self) -> None:
        from kaidan_tui.tui.screens.order_entry import OrderEntryScreen

        while not isinstance(self.screen, OrderEntryScreen):
            await self.pop_screen()
        screens = {
            "LookupScreen": self.action_lookup,
            "DailyScreen": self.action_daily,
            "CatalogScreen": self.action_catalog,
        }
        if self.place in screens:
            screens[self.place]()
        elif self.place not in ("OrderEntryScreen", "LoginScreen"):
            await self.push_screen(dialog(self, self.place))
        self.call_after_refresh(record, "ready")


if __name__ == "__main__":
    ProbeApp(Database.open(sys.argv[1])).run()
