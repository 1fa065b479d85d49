"""Lookup on a store with 1,000,000 generated slips: number, tail, customer, date range.

Run: ``python -m bench.lookup_bench [--slips 1000000]``. Target (issue 6): p95 ≤ 50 ms
for number, customer and date-range queries, through the service (parse, query, page).
The slips are written straight into the table (headers only; building a million real
postings would take an hour and test nothing more about the lookup).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text

from bench.common import machine, summary, timed
from kaidan_tui.db.engine import Database
from kaidan_tui.services import lookup
from kaidan_tui.services.setup import load_demo


def build(db: Database, n: int, rng: random.Random) -> list[tuple[str, str]]:
    """n posted sales over ~3 years for the demo customers; returns (number, customer)."""
    with db.read() as s:
        customers = s.execute(text("SELECT id, code, name FROM customer")).all()
        ledger, warehouse, maker = s.execute(text(
            "SELECT (SELECT id FROM ledger LIMIT 1), (SELECT id FROM warehouse LIMIT 1), "
            "(SELECT id FROM app_user LIMIT 1)")).one()  # fmt: skip
    start = date(2024, 1, 1)
    days = (date(2026, 11, 23) - start).days
    sql = text(
        "INSERT INTO slip (ledger_id, type, status, number, seq, year, business_date, "
        "created_at, posted_at, customer_id, cust_code, cust_name, settlement, warehouse_id, "
        "maker_id, line_count, total_qty, total_amount, discount_amount, cust_contact, "
        "cust_phone, cust_address, channel, freight_station, freight_phone, store_code, "
        "po_number, recipient, delivery, handler, remarks, hold_reason, void_reason) VALUES "
        "(:l, 'sale', :st, :num, :seq, :y, :d, :t, :t, :c, :cc, :cn, '月结', :w, :m, 3, 3000, "
        ":amt, 0, '', '', '', '直销', '', '', '', '', '', '', '', '', '', :vr)"
    )
    seqs: dict[int, int] = {}
    picks = []
    batch = []
    with db.write() as s:
        s.execute(text("DROP TRIGGER IF EXISTS kd_slip_born_open"))  # bench store only
        for i in range(n):
            when = start + timedelta(days=i * days // n)
            seqs[when.year] = seqs.get(when.year, 100) + 1  # after the demo's own slips
            cid, code, name = rng.choice(customers)
            number = f"XS{when.year}{seqs[when.year]:06d}"
            void = rng.random() < 0.01
            batch.append({
                "l": ledger, "st": "void" if void else "posted", "num": number,
                "seq": seqs[when.year], "y": when.year, "d": when.isoformat(),
                "t": f"{when.isoformat()} 10:00:00.000000", "c": cid, "cc": code, "cn": name,
                "w": warehouse, "m": maker, "amt": rng.randint(1000, 500000),
                "vr": "测试" if void else "",
            })  # fmt: skip
            if i % 997 == 0:
                picks.append((number, code))
            if len(batch) == 20000:
                s.execute(sql, batch)
                batch.clear()
        if batch:
            s.execute(sql, batch)
    return picks


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--slips", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.open(str(Path(tmp) / "bench.db"))
        load_demo(db)
        t0 = time.perf_counter()
        picks = build(db, args.slips, rng)
        print(f"# {machine()}")
        print(f"# {args.slips} slips written in {time.perf_counter() - t0:.0f} s")
        today = date(2026, 11, 23)
        kinds = {
            "number (XS2025001234)": lambda: rng.choice(picks)[0],
            "tail digits (1234)": lambda: str(int(rng.choice(picks)[0][-6:])),
            "customer code": lambda: rng.choice(picks)[1],
            "customer + this month": lambda: f"{rng.choice(picks)[1]} 本月",
            "date range (a week)": lambda: "2025-06-01..2025-06-07",
            "date range + customer": lambda: f"2025-01-01..2025-12-31 {rng.choice(picks)[1]}",
            "newest first (empty)": lambda: "",
            "status: void this year": lambda: "2026-01-01..2026-12-31 作废",
        }
        for label, make in kinds.items():
            ms = timed(lambda make=make: lookup.find(db, make(), today=today), args.runs)
            print(summary(label, ms))
        db.dispose()


if __name__ == "__main__":
    main()
