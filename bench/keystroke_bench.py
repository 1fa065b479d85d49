"""Order entry at 100k products, in a real terminal: keystroke-to-screen and F9-to-saved.

Run: ``python -m bench.keystroke_bench [--products 100000] [--lines 5] [--size 120x35]``
(needs tmux).

- **keystroke to screen**: a character is sent to the product cell with
  ``tmux send-keys``; the clock stops when ``capture-pane`` shows the cell with it.
  Includes the app's work (type-ahead, the product lookup worker, the match list) and
  one ``tmux`` process round trip per poll (a few ms, so figures are upper bounds).
- **F9 to 已过账**, as the clerk feels it: the clock starts when F9 is sent, the confirm
  panel is waited for (F9 → panel), Enter is sent at once, and the clock stops when the
  status line shows 已过账 (Enter → 已过账). The sum is F9 + Enter. It includes the live
  check, validation, numbering, stock, audit, the print job and the commit with
  ``synchronous=FULL``.

Targets (issue 21, at 120×35, 5- and 20-line slips): F9 + Enter p95 ≤ 100 ms;
keystroke → screen p95 ≤ 35 ms.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.common import machine, summary, tmux, tmux_start
from bench.search_bench import build
from kaidan_tui.db.engine import Database
from kaidan_tui.services.setup import load_demo

SESSION = "kaidan-bench-keys"
POSTED = re.compile(r"已过账 (XS\d+)")


def screen() -> str:
    return tmux("capture-pane", "-t", SESSION, "-p")


def wait_for(predicate: object, timeout: float = 10.0) -> float:
    """Poll the pane until ``predicate(text)`` holds; milliseconds waited."""
    assert callable(predicate)
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if predicate(screen()):
            return (time.perf_counter() - t0) * 1000
        time.sleep(0.001)
    raise RuntimeError(f"screen did not change in {timeout} s:\n{screen()}")


def send(*keys: str) -> None:
    tmux("send-keys", "-t", SESSION, *keys)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=100_000)
    ap.add_argument("--slips", type=int, default=20)
    ap.add_argument("--lines", type=int, default=5, help="lines per posted slip (1-20)")
    ap.add_argument("--size", default="120x35", help="terminal size, columns x rows")
    args = ap.parse_args()
    cols, rows = (int(n) for n in args.size.lower().split("x"))
    if shutil.which("tmux") is None:
        sys.exit("tmux is needed for this benchmark (apt-get install tmux)")
    kaidan = Path(sys.executable).with_name("kaidan")
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "bench.db"
        db = Database.open(str(store))
        load_demo(db)
        products = build(db, args.products, rng)
        db.dispose()
        queries = [p.initials[:5] for p in rng.sample(products, 40) if len(p.initials) >= 5]
        tmux_start(SESSION, cols, rows, f"XDG_DATA_HOME={tmp} {kaidan} --db {store}")
        wait_for(lambda s: "PIN" in s)
        send("1001", "Enter", "1234", "Enter")
        wait_for(lambda s: "客户" in s and "序" in s)
        send("K0001")
        wait_for(lambda s: "K0001" in s)
        send("Enter")
        wait_for(lambda s: "信用额度" in s or "已用" in s or "五华区" in s)
        keys: list[float] = []
        for query in queries:
            for i in range(1, len(query) + 1):
                prefix = query[:i]
                t0 = time.perf_counter()
                send("-l", query[i - 1])
                wait_for(lambda s, p=prefix: f"▊  {p} " in s or f"▊  {p}▎" in s)
                keys.append((time.perf_counter() - t0) * 1000)
            send("C-u")  # clear the cell for the next query
            wait_for(lambda s: "商品：编码" in s)
        panels: list[float] = []
        saves: list[float] = []
        totals: list[float] = []
        for _ in range(args.slips):
            for i in range(1, args.lines + 1):
                send(f"YL{i:04d}*1", "Enter")
                wait_for(lambda s: "单价" in s)
                time.sleep(0.2)
                send("Enter")  # accept the policy price: the line is committed
                wait_for(lambda s, i=i: f"行数 {i} " in s)
            shown = set(POSTED.findall(screen()))  # an earlier slip's line may still be up
            t0 = time.perf_counter()
            send("F9")
            wait_for(lambda s: "确认过账" in s)
            t1 = time.perf_counter()
            send("Enter")
            wait_for(lambda s, shown=shown: bool(set(POSTED.findall(s)) - shown))
            t2 = time.perf_counter()
            panels.append((t1 - t0) * 1000)
            saves.append((t2 - t1) * 1000)
            totals.append((t2 - t0) * 1000)
            send("K0001")
            wait_for(lambda s: "K0001" in s)
            send("Enter")
            time.sleep(0.3)
        tmux("kill-session", "-t", SESSION)
    print(f"# {machine()}")
    print(f"# {args.products} generated products + the demo store; tmux {cols}×{rows}")
    print(f"# slips of {args.lines} line(s)")
    print(summary("keystroke to screen (product cell)", keys))
    print(summary("F9 to the confirm panel", panels))
    print(summary("Enter on the panel to 已过账", saves))
    print(summary("F9 + Enter to 已过账 on screen", totals))


if __name__ == "__main__":
    main()
