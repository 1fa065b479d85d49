"""Every key binding, as the bytes a terminal sends, through a real pty (issue 21).

``pilot.press("alt+3")`` hands Textual a key event no terminal sends: a terminal sends
Alt+3 as ESC 3, which Textual 8 reads as ``£``. So here the app runs on a pty
(tests/support/pty_app.py), the test writes what xterm, GNOME Terminal, Windows Terminal,
PuTTY and tmux send for each key, and checks the binding's action was dispatched.

The bindings come from the screens themselves (``keymap.binding_table``): a binding
added to any screen or dialog is tested without touching this file, and a key no
terminal can send fails here."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

from kaidan_tui.tui.app import KaidanApp
from kaidan_tui.tui.keymap import binding_table, screen_classes
from tests.support.pty import Pty

ROOT = Path(__file__).resolve().parent.parent

_F = {1: "\x1bOP", 2: "\x1bOQ", 3: "\x1bOR", 4: "\x1bOS"}
_F |= {n: f"\x1b[{c}~" for n, c in {5: 15, 6: 17, 7: 18, 8: 19, 9: 20, 10: 21, 12: 24}.items()}

SENT: dict[str, str] = {
    "enter": "\r",
    "escape": "\x1b",
    "tab": "\t",
    "up": "\x1b[A",
    "down": "\x1b[B",
    "pageup": "\x1b[5~",
    "pagedown": "\x1b[6~",
    **{f"f{n}": seq for n, seq in _F.items()},
    # Ctrl+letter is the letter's control code. Not offered: Ctrl+H (Backspace), I (Tab),
    # M (Enter), [ (Esc), Ctrl+B (tmux's prefix), Ctrl+Z and Ctrl+C (the shell's).
    **{f"ctrl+{c}": chr(ord(c) - 96) for c in "adefgklnopqrstuxy"},
    "ctrl+j": "\n",  # a line feed: Enter as some terminals and pastes send it
}
"""What every one of those terminals sends for a key (xterm's sequences)."""

EXTRA: dict[str, str] = {
    "ctrl+delete": "\x1b[3;5~",  # xterm, GNOME Terminal, Windows Terminal; not PuTTY
}
"""Keys some terminals send, offered only beside a key from SENT."""

PUTTY_F = {"f1": "\x1b[11~", "f2": "\x1b[12~", "f3": "\x1b[13~", "f4": "\x1b[14~"}
"""PuTTY's default F1–F4 (ESC [n~), tested too where a binding uses them."""


def sent(key: str) -> str:
    if len(key) == 1:
        return key  # a printable key: its character
    return SENT.get(key) or EXTRA[key]


def rows_by_place() -> dict[str, list[tuple[str, str, str]]]:
    """class name → (binding id, key, action name) of its own bindings."""
    names = {getattr(c, "PLACE", ""): c.__name__ for c in screen_classes()}
    out: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for binding_id, keys, _, where in binding_table(KaidanApp):
        place = "OrderEntryScreen" if where == "全局" else names[where]
        action = _action_of(binding_id)
        for key in keys.split(","):
            out[place].append((binding_id, key, action))
    return out


def _action_of(binding_id: str) -> str:
    from textual.binding import Binding

    for cls in [KaidanApp, *screen_classes()]:
        for b in cls.__dict__.get("BINDINGS", []):
            if isinstance(b, Binding) and b.id == binding_id:
                return b.action.split("(")[0].removeprefix("app.")
    raise KeyError(binding_id)


def test_every_binding_has_a_key_every_terminal_sends() -> None:
    """The first key of every binding is in SENT; any other is in SENT or EXTRA."""
    for binding_id, keys, description, where in binding_table(KaidanApp):
        first, *others = keys.split(",")
        assert len(first) == 1 or first in SENT, f"{where} {binding_id}: {first}"
        for key in others:
            assert len(key) == 1 or key in SENT or key in EXTRA, f"{where} {binding_id}: {key}"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in description), (binding_id, description)


def test_every_screen_with_keys_names_itself() -> None:
    for cls in screen_classes():
        if any(getattr(b, "id", None) for b in cls.__dict__.get("BINDINGS", [])):
            assert "PLACE" in cls.__dict__, f"{cls.__name__} has keys but no PLACE"


class Terminal:
    """The app on a pty, 120×35, as an xterm."""

    def __init__(self, store: Path, place: str, log: Path, env: dict[str, str]) -> None:
        self.log = log
        log.write_text("", encoding="utf-8")
        self.errors = log.with_suffix(".stderr")
        argv = [sys.executable, "-m", "tests.support.pty_app", str(store), place, str(log)]
        self.pty = Pty(argv, env, stderr=self.errors.open("w"))
        self.proc = self.pty.proc

    def write(self, text: str) -> None:
        self.pty.write(text)

    def lines(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").splitlines()

    def wait_line(self, test: str, after: int, timeout: float = 20.0) -> int:
        """Waits for a log line (after line ``after``) that starts with ``test``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = self.lines()
            for i in range(after, len(lines)):
                if lines[i].startswith(test):
                    return i + 1
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(
            f"never logged {test!r}; log: {self.lines()[after:]}; "
            f"stderr: {self.errors.read_text(encoding='utf-8')[-2000:]}"
        )

    def close(self) -> None:
        self.pty.close()


PLACES = sorted(rows_by_place())


@pytest.mark.parametrize("place", PLACES)
def test_keys_fire_their_action_through_a_pty(
    place: str, demo_template: Path, tmp_path: Path
) -> None:
    store = tmp_path / "pty.db"
    shutil.copy(demo_template, store)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env |= {"TERM": "xterm-256color", "COLUMNS": "120", "LINES": "35"}
    rows = rows_by_place()[place]
    # Ctrl+Q ends the app: last.
    rows.sort(key=lambda r: r[2] == "quit")
    term = Terminal(store, place, tmp_path / "actions.log", env)
    try:
        # The login: typed, with Enter as CR and as LF (both are login.enter's keys).
        at = 0
        term.write("8001\r")  # typed at once: the login screen keeps what comes early
        at = term.wait_line("action LoginScreen enter", at)
        term.write("8888\n")
        at = term.wait_line("action LoginScreen enter", at)
        at = term.wait_line("ready", at, timeout=30)
        if place == "LoginScreen":
            return  # its keys were the login itself
        tried = []
        for binding_id, key, action in rows:
            variants = [sent(key)]
            if key in PUTTY_F:
                variants.append(PUTTY_F[key])
            for seq in variants:
                term.write(seq)
                at = _wait_action(term, action, at, binding_id, key, seq)
                tried.append(binding_id)
                if action == "quit":
                    term.proc.wait(timeout=15)
                    break
                time.sleep(0.1)  # let the action finish (a screen it opens is mounted)
                os.killpg(term.proc.pid, signal.SIGUSR1)
                at = term.wait_line("ready", at)
                time.sleep(0.1)
        assert tried, place
    finally:
        term.close()


def _wait_action(term: Terminal, action: str, at: int, binding_id: str, key: str, seq: str) -> int:
    try:
        return _find(term, action, at)
    except AssertionError as exc:
        raise AssertionError(
            f"{binding_id}: {key} sent as {seq!r} did not fire {action}: {exc}"
        ) from None


def _find(term: Terminal, action: str, at: int) -> int:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        lines = term.lines()
        for i in range(at, len(lines)):
            parts = lines[i].split()
            if parts[:1] == ["action"] and parts[-1] == action:
                return i + 1
        time.sleep(0.02)
    raise AssertionError(f"log after the key: {term.lines()[at:]}")
