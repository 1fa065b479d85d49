"""A process on a real pty, as a terminal runs it: what the tests that send a terminal's
bytes (tests/test_pty_keys.py, tests/test_autosave_crash.py) share."""

from __future__ import annotations

import fcntl
import os
import signal
import struct
import subprocess
import termios
import threading
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]


class Pty:
    """``argv`` with its stdin and stdout (and stderr, unless given) on a new pty of
    ``rows``×``cols``; what it draws is collected in ``out``."""

    def __init__(
        self,
        argv: list[str],
        env: dict[str, str],
        *,
        rows: int = 35,
        cols: int = 120,
        stderr: IO[str] | None = None,
    ) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.master = master
        self.proc = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=stderr if stderr is not None else slave,  # Textual draws on stderr
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self.out = bytearray()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.out += chunk

    def write(self, text: str) -> None:
        os.write(self.master, text.encode("utf-8"))

    def kill(self) -> None:
        """SIGKILL, as a power cut or ``kill -9`` would."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        os.close(self.master)

    def close(self) -> None:
        """SIGTERM, then SIGKILL if it does not go."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        os.close(self.master)
