"""Many counters on one machine: ``--procs`` processes post into one SQLite store at once.

    python -m bench.concurrency_bench [--seconds 60] [--procs 8]

Prints slips/s and the post latency (p50/p95) seen by the counters, the errors that
reached a caller (must be 0), and the store check of tests/support/crash.py (numbers 1..N …).
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
from datetime import date
from pathlib import Path

from bench.common import machine
from kaidan_tui.db.engine import Database
from kaidan_tui.services.setup import load_demo
from tests.support import concurrency, crash


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--procs", type=int, default=8)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "counters.db")
        db = Database.open(path)
        load_demo(db)
        db.dispose()
        report = concurrency.run(path, args.procs, args.seconds)
        checked = crash.check(path, report.acks)
    print(f"machine: {machine()}, SQLite {sqlite3.sqlite_version}, {date.today()}")
    print(report.summary())
    for e in sorted(set(report.errors))[:10]:
        print("  error: " + e)
    print(
        "store check: "
        + (
            "; ".join(checked.problems)
            or "ok (numbers 1..N, acks whole, stock = movements, audit chain)"
        )
    )
    if report.errors or checked.problems:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
