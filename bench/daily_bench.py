"""The daily report for a day with 2,000 slips in a store of 1,000,000 slips and
5,000,000 lines. Target (issue 7): ≤ 300 ms.

Run: ``python -m bench.daily_bench [--slips 1000000 --day-slips 2000 --lines 5]
[--store FILE]``; ``--store`` keeps the built store (about 10 minutes of writing) for the
next run. Slips, lines and one stock movement per line are written straight into the
tables (posting a million real slips would take hours and test nothing more about the
report); the triggers still keep each customer's balance.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import TextClause, text
from sqlmodel import Session

from bench.common import machine, summary, timed
from kaidan_tui.db.engine import Database
from kaidan_tui.services import daily
from kaidan_tui.services.setup import load_demo

DAY = date(2026, 11, 20)
SETTLEMENTS = ("现款", "现款", "月结", "月结", "压单", "汇款")
DRIVERS = ("张师傅", "李师傅", "王师傅", "", "")


def build(db: Database, total: int, on_day: int, per: int, rng: random.Random) -> None:
    with db.read() as s:
        customers = s.execute(text("SELECT id, code, name, channel FROM customer")).all()
        products = s.execute(text("SELECT id, code, name, unit FROM product")).all()
        ledger, warehouse, maker = s.execute(text(
            "SELECT (SELECT id FROM ledger WHERE code = 'KD'), (SELECT id FROM warehouse LIMIT 1),"
            " (SELECT id FROM app_user LIMIT 1)")).one()  # fmt: skip
    slip_sql = text(
        "INSERT INTO slip (id, ledger_id, type, status, number, seq, year, business_date, "
        "created_at, posted_at, customer_id, cust_code, cust_name, settlement, warehouse_id, "
        "maker_id, line_count, total_qty, total_amount, discount_amount, cust_contact, "
        "cust_phone, cust_address, channel, freight_station, freight_phone, store_code, "
        "po_number, recipient, delivery, handler, remarks, hold_reason, void_reason) VALUES "
        "(:id, :l, 'sale', 'posted', :num, :seq, :y, :d, :t, :t, :c, :cc, :cn, :st, :w, :m, "
        ":n, :q, :amt, 0, '', '', '', :ch, '', '', '', '', '', :drv, '', '', '', '')"
    )
    line_sql = text(
        "INSERT INTO slip_line (id, slip_id, line_no, product_id, code, name, spec, unit, qty, "
        "price, amount, price_source, approval_reason, is_gift, remarks) VALUES "
        "(:id, :s, :no, :p, :code, :name, '', :unit, :q, :price, :amt, 'list', '', 0, '')"
    )
    move_sql = text(  # a real store has one stock movement per line
        "INSERT INTO stock_movement (product_id, warehouse_id, qty, kind, slip_id, line_id, "
        "user_id, created_at, remarks) VALUES (:p, :w, :q, 'slip', :s, :id, :m, :t, '')"
    )
    start = DAY - timedelta(days=3 * 365)
    others = total - on_day
    seqs: dict[int, int] = {}
    with db.write() as s:
        s.execute(text("DROP TRIGGER IF EXISTS kd_slip_born_open"))  # bench store only
        for t in ("insert", "update", "delete"):
            s.execute(text(f"DROP TRIGGER IF EXISTS kd_slip_line_{t}"))
        base = int(s.execute(text("SELECT COALESCE(MAX(id), 0) FROM slip")).scalar_one()) + 1
        line_id = int(s.execute(text("SELECT COALESCE(MAX(id), 0) FROM slip_line")).scalar_one())
        slips, lines = [], []
        for i in range(total):
            when = DAY if i >= others else start + timedelta(days=i * (3 * 365 - 1) // others)
            seqs[when.year] = seqs.get(when.year, 100) + 1
            cid, code, name, channel = rng.choice(customers)
            n = per
            chosen = rng.sample(products, n)
            amount = 0
            for no, (pid, pcode, pname, unit) in enumerate(chosen, start=1):
                q, price = rng.randint(1, 20), rng.randint(500, 50000)
                amount += q * price
                line_id += 1
                lines.append({"id": line_id, "s": base + i, "no": no, "p": pid, "code": pcode,
                              "name": pname, "unit": unit, "q": q * 1000, "price": price,
                              "amt": q * price, "mq": -q * 1000, "w": warehouse, "m": maker,
                              "t": f"{when.isoformat()} 10:00:00.000000"})  # fmt: skip
            slips.append({
                "id": base + i, "l": ledger, "num": f"XS{when.year}{seqs[when.year]:07d}",
                "seq": seqs[when.year], "y": when.year, "d": when.isoformat(),
                "t": f"{when.isoformat()} 10:00:00.000000", "c": cid, "cc": code, "cn": name,
                "st": rng.choice(SETTLEMENTS), "w": warehouse, "m": maker, "n": n,
                "q": 0, "amt": amount, "ch": channel, "drv": rng.choice(DRIVERS),
            })  # fmt: skip
            if len(slips) >= 20000:
                _flush(s, (slip_sql, slips), (line_sql, lines), (move_sql, lines))
        _flush(s, (slip_sql, slips), (line_sql, lines), (move_sql, lines))


def _flush(s: Session, *batches: tuple[TextClause, list[dict[str, object]]]) -> None:
    for sql, rows in batches:
        if rows:
            s.execute(sql, rows)
    for _sql, rows in batches:
        rows.clear()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--slips", type=int, default=1_000_000)
    ap.add_argument("--day-slips", type=int, default=2000)
    ap.add_argument("--lines", type=int, default=5)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--store", type=Path, help="keep the built store here (reused if it exists)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.store or Path(tmp) / "bench.db"
        reuse = path.exists()
        db = Database.open(str(path))
        print(f"# {machine()}")
        if reuse:
            print(f"# reusing {path}")
        else:
            load_demo(db)
            t0 = time.perf_counter()
            build(db, args.slips, args.day_slips, args.lines, random.Random(3))
            print(f"# {args.slips} slips / {args.slips * args.lines} lines written in "
                  f"{time.perf_counter() - t0:.0f} s; {args.day_slips} on {DAY}")  # fmt: skip
        rep = daily.report(db, DAY, ledger="KD")
        print(f"# report: {sum(f.count for v in rep.by_type.values() for f in v.values())} slips,"
              f" {len(rep.products)} products, {len(rep.drivers)} drivers, "
              f"{len(rep.alerts)} alerts")  # fmt: skip
        ms = timed(lambda: daily.report(db, DAY, ledger="KD"), args.runs)
        print(summary("daily report (target 300 ms)", ms))
        db.dispose()


if __name__ == "__main__":
    main()
