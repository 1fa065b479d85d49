"""Posting a 20-line slip, beside the floor of the same writes in plain SQL: p50/p95/ratio.

    python -m bench.post_bench [--slips 200] [--url postgresql://…]

SQLite (a fresh demo store, synchronous=FULL) by default; ``--url`` runs both on a
PostgreSQL database that is empty (the demo is loaded into it: a fresh `.ci/pg.sh start DIR`
per run). The floor is bench/post_floor.py.
Targets: p95 <= 20 ms (issue 3); the post's p95 <= 10 × the floor's (issue 15).
The post and its floor run in turns, one slip each, so both meet the machine alike.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from sqlmodel import select

from bench import post_floor
from bench.common import machine, p50, p95, summary, timed, timed_pair
from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Product
from kaidan_tui.services import slips
from kaidan_tui.services.setup import load_demo
from kaidan_tui.services.slips import LineIn, SlipIn
from kaidan_tui.services.users import get_user


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--slips", type=int, default=200)
    ap.add_argument("--url", help="an empty PostgreSQL database (the demo is loaded into it)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.open(args.url or str(Path(tmp) / "bench.db"))
        load_demo(db)
        with db.read() as s:
            user = get_user(s, "1001")
            codes = [p.code for p in s.exec(select(Product).where(Product.coded == False)).all()]  # noqa: E712
        lines = [LineIn(product=c, qty="1") for c in codes[:20]]
        n = iter(range(10**9))

        def post_one() -> None:
            order = SlipIn(customer="K0001", settlement="现款", lines=lines, remarks=f"b{next(n)}")
            slips.post(db, order, user=user)

        post_one()  # warm caches
        with post_floor.floor(args.url) as floor_one:
            # in turns: a machine that slows down for a while slows both alike
            ms, floor = timed_pair(post_one, floor_one, args.slips)
        print(f"machine: {machine()}")
        where = "PostgreSQL" if args.url else "SQLite, sync=FULL"
        print(summary(f"post 20-line slip ({where})", ms))
        print(summary(f"floor: 20-line slip ({where})", floor))
        print(f"{'ratio post/floor':<34} p95 {p95(ms) / p95(floor):5.1f}×  (target <= 10×)")
        print(f"{'ratio post/floor':<34} p50 {p50(ms) / p50(floor):5.1f}×")
        with db.read() as s:
            ms_prep = timed(lambda: slips.prepare(s, SlipIn(customer="K0001", lines=lines)), 100)
        print(summary("prepare (validate) 20 lines", ms_prep))
        db.dispose()


if __name__ == "__main__":
    main()
