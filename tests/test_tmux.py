"""The same order typed in a real terminal: the app runs in tmux, keys are sent, the
screen is read back, and the saved slip is checked in the store."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlmodel import col, select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Slip, SlipLine

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Tmux:
    def __init__(self, command: str) -> None:
        self.name = f"kaidan-{uuid.uuid4().hex[:8]}"
        # A server of our own (its own socket, no user config): a tmux server already
        # running on the machine, or a ~/.tmux.conf, could size the window otherwise.
        self.tmux = ["tmux", "-L", self.name, "-f", "/dev/null"]
        subprocess.run(
            [*self.tmux, "new-session", "-d", "-s", self.name, "-x", "140", "-y", "42", command],
            check=True,
        )
        size_format = "#{window_width}x#{window_height}"
        size = subprocess.run(
            [*self.tmux, "display-message", "-p", "-t", self.name, size_format],
            capture_output=True,
            text=True,
        ).stdout.strip()
        assert size == "140x42", f"tmux window is {size}, not 140x42"

    def keys(self, *keys: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", self.name, *keys], check=True)

    def screen(self) -> str:
        out = subprocess.run(
            [*self.tmux, "capture-pane", "-p", "-t", self.name], capture_output=True, text=True
        )
        return out.stdout

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"「{text}」 never appeared; screen was:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True)


def test_order_typed_in_tmux(demo_template: Path, tmp_path: Path) -> None:
    db_path = tmp_path / "tmux.db"
    shutil.copy(demo_template, db_path)
    # A tmux server that was already running would not pass our environment on: name the
    # pepper file (and the config folder) on the command line itself. COLUMNS/LINES as a
    # shell profile may export them: the app must still take the window's 140×42 (the
    # price panel, shown from 110 columns, is read below).
    cmd = (
        "COLUMNS=80 LINES=24 "
        f"XDG_DATA_HOME={tmp_path} XDG_CONFIG_HOME={os.environ['XDG_CONFIG_HOME']} "
        f"KAIDAN_PEPPER_FILE={os.environ['KAIDAN_PEPPER_FILE']} TERM=xterm-256color "
        f"{sys.executable} -m kaidan_tui.cli --db {db_path}"
    )
    t = Tmux(cmd)
    try:
        t.wait_for("用户编码")
        t.keys("1001", "Enter")
        t.keys("1234", "Enter")
        t.wait_for("过账打印")
        t.keys("K0015")
        t.wait_for("K0015")
        t.keys("Enter")
        t.wait_for("信用额度")
        t.keys("kkkl330ml")
        t.wait_for("YL0001")
        t.keys("Enter")
        t.wait_for("政策价")
        t.keys("5", "Enter")
        t.keys("Enter")
        t.wait_for("行数 1")
        t.keys("LS0001*2", "Enter")
        t.wait_for("政策价")
        t.keys("Enter")
        t.wait_for("行数 2")
        t.keys("F9")
        t.wait_for("Enter 确认过账")
        t.keys("Enter")
        screen = t.wait_for("已过账")
    finally:
        t.close()
    number = screen.split("已过账", 1)[1].split()[0]
    db = Database.open(str(db_path))
    with db.read() as s:
        slip = s.exec(select(Slip).where(Slip.number == number)).one()
        lines = s.exec(
            select(SlipLine).where(SlipLine.slip_id == slip.id).order_by(col(SlipLine.line_no))
        ).all()
    db.dispose()
    assert slip.cust_code == "K0015" and slip.status == "posted"
    assert [(ln.code, str(ln.qty)) for ln in lines] == [("YL0001", "5.000"), ("LS0001", "2.000")]
