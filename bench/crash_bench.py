"""The long crash loop: SIGKILL a slip writer ``--kills`` times, check the store throughout.

    python -m bench.crash_bench [--kills 500] [--max-delay 0.4] [--exec-every 25] [--seed 1]

Prints the kills, the slips acknowledged and committed, and any problem found
(see tests/support/crash.py for what is checked). Exit code 1 when a promise was broken.
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
from tests.support import crash


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=500)
    ap.add_argument("--max-delay", type=float, default=0.4, help="seconds, uniform 0..max")
    ap.add_argument("--exec-every", type=int, default=25, help="every n-th writer is exec'd")
    ap.add_argument("--check-every", type=int, default=25)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "crash.db")
        db = Database.open(path)
        load_demo(db)
        db.dispose()

        def progress(r: crash.CrashReport) -> None:
            if r.kills % 50 == 0:
                print(f"  {r.kills} kills, {len(r.acks)} acknowledged", flush=True)

        report = crash.run(
            path,
            args.kills,
            seed=args.seed,
            max_delay=args.max_delay,
            exec_every=args.exec_every,
            check_every=args.check_every,
            progress=progress,
        )
        con = sqlite3.connect(path)
        audit_rows = con.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
        con.close()
    print(f"machine: {machine()}, SQLite {sqlite3.sqlite_version}, {date.today()}")
    print(
        f"kills={report.kills} (every {args.exec_every}th a fresh interpreter)  "
        f"checks={report.checks}  seconds={report.seconds:.0f}"
    )
    print(
        f"slips acknowledged={report.acked}  committed but ack cut off by the kill="
        f"{report.committed_unacked}  posted in store={report.posted_total}  "
        f"audit rows={audit_rows}"
    )
    if report.problems:
        print("PROBLEMS:")
        for p in report.problems:
            print("  " + p)
        raise SystemExit(1)
    print("all checks passed: integrity ok, every ack present and whole, numbers 1..N, "
          "stock = sum of movements, audit chain verifies")  # fmt: skip


if __name__ == "__main__":
    main()
