"""The order on screen survives a SIGKILL: typed through a real pty, the app killed,
started again, the order offered back ("恢复未完成的单") and posted whole."""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlmodel import select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import OrderAutosave, Slip, SlipLine
from tests.support.pty import Pty


class App:
    """``kaidan --db STORE`` on a pty, 120×35, as an xterm."""

    def __init__(self, store: Path, env: dict[str, str]) -> None:
        self.pty = Pty([sys.executable, "-m", "kaidan_tui.cli", "--db", str(store)], env)
        self.out = self.pty.out

    def type(self, keys: str, pause: float = 0.4) -> None:
        self.pty.write(keys)
        time.sleep(pause)

    def kill(self) -> None:
        self.pty.kill()


def wait_for(what: str, test: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if test():
            return
        time.sleep(0.1)
    raise AssertionError(f"never: {what}")


def screen_text(app: App) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", app.out.decode("utf-8", "replace"))


def open_rows(db: Database) -> list[OrderAutosave]:
    with db.read() as s:
        rows = s.exec(select(OrderAutosave).where(OrderAutosave.closed_at == None)).all()  # noqa: E711
        return list(rows)


def test_an_order_typed_before_a_sigkill_is_offered_back_and_posts_whole(
    demo_template: Path, tmp_path: Path
) -> None:
    store = tmp_path / "shop.db"
    shutil.copy(demo_template, store)
    db = Database(f"sqlite:///{store}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env |= {"TERM": "xterm-256color", "KAIDAN_COUNTER": "2"}
    with db.read() as s:
        before = len(s.exec(select(Slip)).all())

    app = App(store, env)
    try:
        app.type("8001\r", 3.0)  # the login (code, PIN), then the order screen
        app.type("8888\r", 4.0)
        app.type("K0001\r", 1.5)  # customer
        app.type("YL0001\r2\r\r", 1.5)  # product, qty, price (policy price kept)
        app.type("YL0024\r3\r\r", 1.5)
        app.type("YL0035", 0.5)  # the line still in the editor: may be lost
        wait_for(
            "the two committed lines autosaved",
            lambda: any('"YL0024"' in r.data for r in open_rows(db)),
        )
    finally:
        app.kill()  # no Ctrl+Q, no hold: the process is gone
    [row] = open_rows(db)
    assert row.counter == "2" and "2 行" in row.summary

    app = App(store, env)
    try:
        app.type("8001\r", 3.0)
        app.type("8888\r", 4.0)
        wait_for("the offer", lambda: "恢复未完成的单" in screen_text(app), 15)
        app.type("\r", 2.0)  # take it up
        app.type("\x1b[20~", 2.0)  # F9: the confirm panel
        app.type("\r", 3.0)  # post
        wait_for("the slip posted", lambda: open_rows(db) == [])
    finally:
        app.kill()
    with db.read() as s:
        slips = s.exec(select(Slip).order_by(Slip.id)).all()  # type: ignore[arg-type]
        assert len(slips) == before + 1, "one slip: the recovered order, once"
        posted = slips[-1]
        assert posted.status == "posted" and posted.cust_code == "K0001"
        lines = s.exec(select(SlipLine).where(SlipLine.slip_id == posted.id)).all()
        assert sorted((ln.code, str(ln.qty.normalize())) for ln in lines) == [
            ("YL0001", "2"),
            ("YL0024", "3"),
        ]
        taken = s.exec(select(OrderAutosave).where(OrderAutosave.key == row.key)).one()
        assert taken.outcome.startswith("已恢复 "), "taken up: closed, saved on under a new key"
        new_key = taken.outcome.split()[1]
        closed = s.exec(select(OrderAutosave).where(OrderAutosave.key == new_key)).one()
    assert closed.outcome == f"已过账 {posted.number}"
