"""Same behaviour before and after a restructuring: every table, compared row by row.

    python bench/same_tables.py --old OLD_PYTHON [--new NEW_PYTHON]

Each interpreter (a venv with one version of kaidan installed) runs the same scripted
session on a fresh demo store: slips of every kind posted, a held slip recalled and
posted, a return against a discounted sale, a void, a 红冲, a 改单, a field corrected,
slips printed and reprinted to a file printer. Then every table is dumped, without the
columns that are meant to differ between runs (timestamps, hashes, keys derived from
the machine's pepper), and the two dumps are compared. Prints the differences (none is
the pass) and exits 1 if there are any. Only the services' long-standing names are used,
so the script runs against older versions too.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

VARYING = {"hash", "prev_hash", "pin_hash", "at", "station", "claimed_by", "audit_checksum"}
"""Columns that differ by run by design (besides ``*_at`` and dates of the run)."""


def session(folder: Path) -> None:
    """The scripted session, with the kaidan this interpreter has installed."""
    from kaidan_tui.db.engine import Database
    from kaidan_tui.printing import config as printer_config
    from kaidan_tui.services import lifecycle, slips, spool, users
    from kaidan_tui.services.setup import load_demo
    from kaidan_tui.services.slips import LineIn, SlipIn

    db = Database.open(str(folder / "store.db"))
    load_demo(db)
    clerk = users.login(db, "1001", "1234")
    boss = users.approve(db, "8001", "8888")
    printers = printer_config.parse(
        {
            "printers": {"f": {"kind": "file", "path": str(folder / "out.prn")}},
            "routing": {"default": "f"},
        },
        source="same_tables",
    )

    def post(order: SlipIn, **kw: Any) -> str:
        return slips.post(db, order, user=clerk, **kw).number

    def line(product: str, qty: str, **kw: Any) -> LineIn:
        return LineIn(product=product, qty=qty, **kw)

    cash = post(SlipIn(customer="K0001", settlement="现款", idempotency_key="s1",
                       lines=[line("YL0001", "3"), line("LS0001", "2")]))  # fmt: skip
    credit = post(SlipIn(customer="K0005", settlement="月结", delivery="李师傅", discount="95折",
                         idempotency_key="s2",
                         lines=[line("YL0002", "7"), line("YL0024", "5"),
                                line("JS0001", "3", price="99.99")]), approver=boss)  # fmt: skip
    post(SlipIn(customer="K0015", settlement="月结", discount="抹零", idempotency_key="s3",
                lines=[line("JS0007", "4"), line("YL0001", "1", is_gift=True)]),
         approver=boss)  # fmt: skip
    # held with a reason, recalled, finished with a supervisor
    low = SlipIn(customer="K0001", idempotency_key="s4", lines=[line("YL0001", "2", price="1.00")])
    held = slips.hold(db, low, user=clerk)
    again = slips.recall(db, held.slip_id)
    post(again, approver=boss, held_id=held.slip_id)
    # returns: against the discounted sale, in two parts, and free-standing
    post(SlipIn(type="return", customer="K0005", against=credit, idempotency_key="r1",
                lines=[line("YL0002", "3")]))  # fmt: skip
    post(SlipIn(type="return", customer="K0005", against=credit, idempotency_key="r2",
                lines=[line("YL0002", "4"), line("YL0024", "1")]))  # fmt: skip
    post(SlipIn(type="return", customer="K0029", idempotency_key="r3",
                lines=[line("JS0018", "2")]))  # fmt: skip
    gift = post(SlipIn(type="gift", recipient="展会样品", idempotency_key="g1",
                       lines=[line("YL0006", "2")]), approver=boss)  # fmt: skip
    post(SlipIn(type="stock_in", idempotency_key="i1",
                lines=[line("YL0006", "50"), line("JS0018", "10")]), approver=boss)  # fmt: skip
    lifecycle.void(db, cash, reason="客户不要了", user=clerk, approver=boss)
    lifecycle.reverse(db, gift, reason="样品退回", user=clerk, approver=boss)
    fixed = SlipIn(customer="K0043", settlement="现款", idempotency_key="c1",
                   lines=[LineIn(product="YL0091", qty="6")])  # fmt: skip
    first = post(fixed.model_copy(update={"idempotency_key": "c0"}))
    lifecycle.replace(db, first, fixed, reason="数量录错", user=clerk, approver=boss)
    lifecycle.correct(db, credit, "remarks", "下午送到", user=clerk)
    for number in (credit, gift, first):
        spool.reprint(db, number, user=clerk, printer="f")
    spool.run_once(db, printers)
    spool.reprint(db, credit, user=clerk, printer="f")  # a 补打
    spool.run_once(db, printers)
    db.dispose()


def dump(path: Path) -> dict[str, list[list[Any]]]:
    conn = sqlite3.connect(path)
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name NOT LIKE '%search%' ORDER BY name")]  # fmt: skip
    out: dict[str, list[list[Any]]] = {}
    for table in tables:
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        keep = [c for c in cols if c not in VARYING and not c.endswith("_at")]
        rows = conn.execute(f"SELECT {', '.join(keep) or '1'} FROM {table} ORDER BY rowid")
        out[table] = [keep, *[list(r) for r in rows]]
    conn.close()
    return out


def run(python: str, folder: Path) -> dict[str, list[list[Any]]]:
    folder.mkdir(parents=True)
    env = {
        **os.environ,
        "KAIDAN_PEPPER_FILE": str(folder.parent / "pepper"),  # one pepper for both runs
        "XDG_CONFIG_HOME": str(folder / "config"),
        "XDG_DATA_HOME": str(folder / "data"),
    }
    command = [os.path.abspath(python), __file__, "--session", str(folder)]
    subprocess.run(command, check=True, env=env,
                   cwd=folder)  # fmt: skip
    return dump(folder / "store.db")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--old", help="the python of a venv with the old version installed")
    ap.add_argument("--new", default=sys.executable)
    ap.add_argument("--session", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.session:
        session(Path(args.session))
        return 0
    if not args.old:
        ap.error("--old is required")
    with tempfile.TemporaryDirectory() as tmp:
        old = run(args.old, Path(tmp) / "old")
        new = run(args.new, Path(tmp) / "new")
    differences = 0
    for table in sorted(set(old) | set(new)):
        a, b = old.get(table), new.get(table)
        if a == b:
            print(f"same  {table:<22} {len(a or []) - 1:>5} rows")
            continue
        differences += 1
        print(f"DIFF  {table}")
        print("  old:", json.dumps(a, ensure_ascii=False, default=str)[:800])
        print("  new:", json.dumps(b, ensure_ascii=False, default=str)[:800])
    print("every table the same" if not differences else f"{differences} tables differ")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
