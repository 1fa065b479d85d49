"""Cold start: `kaidan --db STORE` to an interactive login screen, measured in tmux.

Run: ``python -m bench.startup_bench``. Target: ≤ 1.0 s. Each run starts a fresh
process in a detached tmux pane and polls ``capture-pane`` until the login form is drawn
(the PIN field's label); the time includes Python start-up, imports and the first paint.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import machine, summary, tmux, tmux_start

SESSION = "kaidan-bench-startup"


def once(command: str, marker: str, timeout: float = 20.0) -> float:
    t0 = time.perf_counter()
    tmux_start(SESSION, 120, 40, command)
    while time.perf_counter() - t0 < timeout:
        if marker in tmux("capture-pane", "-t", SESSION, "-p"):
            elapsed = time.perf_counter() - t0
            tmux("kill-session", "-t", SESSION)
            return elapsed * 1000
        time.sleep(0.005)
    tmux("kill-session", "-t", SESSION)
    raise RuntimeError(f"login screen not seen within {timeout} s")


def main() -> None:
    if shutil.which("tmux") is None:
        sys.exit("tmux is needed for this benchmark (apt-get install tmux)")
    kaidan = Path(sys.executable).with_name("kaidan")
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "demo.db"
        subprocess.run([str(kaidan), "init", "--demo", "--db", str(store)], check=True,
                       capture_output=True)  # fmt: skip
        command = f"XDG_DATA_HOME={tmp} {kaidan} --db {store}"
        once(command, "PIN")  # warm the OS file cache, as on a counter PC in use
        samples = [once(command, "PIN") for _ in range(15)]
    print(f"# {machine()}")
    print("# `kaidan --db STORE` to the login screen drawn; target ≤ 1000 ms")
    print(summary("cold start to login screen", samples))


if __name__ == "__main__":
    main()
