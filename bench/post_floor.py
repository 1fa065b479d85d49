"""The floor under posting: the same 20-line slip written with the plain database driver.

    python -m bench.post_floor [--slips 200] [--url postgresql://…]

One transaction per slip, as the project does it: take the write lock (BEGIN IMMEDIATE on
SQLite), step the number counter, insert the header, the lines and their stock moves,
adjust on-hand stock, commit. Its tables are ``floor_…``, so on PostgreSQL it can share
a scratch database with bench/post_bench. SQLite in WAL mode with synchronous=FULL, like the store.
No validation, no prices, no audit: what is left is the cost of the writes and the
fsync, which no code above the driver can beat. ``bench/post_bench`` prints the
project's post beside this floor, and their ratio (issue 15: p95 ≤ 10×).
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import machine, summary, timed

LINES = 20

_SCHEMA = (
    "CREATE TABLE floor_counter (ledger_id INTEGER, slip_type TEXT, year INTEGER, last_seq INTEGER,"
    " PRIMARY KEY (ledger_id, slip_type, year))",
    "CREATE TABLE floor_slip (id {serial} PRIMARY KEY, number TEXT UNIQUE, seq INTEGER, type TEXT,"
    " status TEXT, customer_id INTEGER, total_qty BIGINT, total_amount BIGINT,"
    " created_at TEXT, posted_at TEXT)",
    "CREATE TABLE floor_line (id {serial} PRIMARY KEY, slip_id INTEGER REFERENCES floor_slip(id),"
    " line_no INTEGER, product_id INTEGER, qty BIGINT, price BIGINT, amount BIGINT,"
    " UNIQUE (slip_id, line_no))",
    "CREATE TABLE floor_move (id {serial} PRIMARY KEY, product_id INTEGER,"
    " warehouse_id INTEGER, qty BIGINT, slip_id INTEGER, line_id INTEGER, created_at TEXT)",
    "CREATE TABLE floor_stock (product_id INTEGER, warehouse_id INTEGER, qty BIGINT,"
    " PRIMARY KEY (product_id, warehouse_id))",
)
_STEP = (
    "INSERT INTO floor_counter VALUES (1, 'sale', 2026, 1) ON CONFLICT (ledger_id, slip_type, year)"
    " DO UPDATE SET last_seq = floor_counter.last_seq + 1 RETURNING last_seq"
)
_ADD = (
    "INSERT INTO floor_stock VALUES ({p}, 1, {p}) ON CONFLICT (product_id, warehouse_id)"
    " DO UPDATE SET qty = floor_stock.qty + excluded.qty"
)


def _lines() -> list[tuple[int, int, int]]:
    """(product, qty in thousandths, price in fen) for 20 lines."""
    return [(n, 1000, 5200 + n) for n in range(1, LINES + 1)]


def _write(cur: Any, p: str, lines: list[tuple[int, int, int]]) -> None:
    """One slip's writes on an open transaction's cursor; ``p`` is the driver's placeholder."""
    now = datetime.now(UTC).isoformat()
    (seq,) = cur.execute(_STEP).fetchone()
    slip_id = cur.execute(
        "INSERT INTO floor_slip (type, status, customer_id, total_qty, total_amount,"
        f" created_at) VALUES ('sale', 'open', 1, {p}, {p}, {p}) RETURNING id",
        (sum(q for _, q, _ in lines), sum(q * pr // 1000 for _, q, pr in lines), now),
    ).fetchone()[0]
    cur.executemany(
        "INSERT INTO floor_line (slip_id, line_no, product_id, qty, price, amount)"
        f" VALUES ({p}, {p}, {p}, {p}, {p}, {p})",
        [(slip_id, n, pid, q, pr, q * pr // 1000) for n, (pid, q, pr) in enumerate(lines, 1)],
    )
    ids = cur.execute(
        f"SELECT line_no, id FROM floor_line WHERE slip_id = {p} ORDER BY line_no", (slip_id,)
    ).fetchall()
    cur.execute(
        f"UPDATE floor_slip SET number = {p}, seq = {p}, status = 'posted', posted_at = {p}"
        f" WHERE id = {p}",
        (f"XS2026{seq:06d}", seq, now, slip_id),
    )
    cur.executemany(
        "INSERT INTO floor_move (product_id, warehouse_id, qty, slip_id, line_id, created_at)"
        f" VALUES ({p}, 1, {p}, {p}, {p}, {p})",
        [(pid, -q, slip_id, i, now) for (pid, q, _), (_, i) in zip(lines, ids, strict=True)],
    )
    cur.executemany(_ADD.format(p=p), [(pid, -q) for pid, q, _ in lines])


def sqlite_floor(path: Path) -> tuple[Callable[[], None], Callable[[], None]]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    for ddl in _SCHEMA:
        conn.execute(ddl.format(serial="INTEGER"))
    lines = _lines()

    def post() -> None:
        conn.execute("BEGIN IMMEDIATE")
        _write(conn.cursor(), "?", lines)
        conn.execute("COMMIT")

    return post, conn.close


def pg_floor(url: str) -> tuple[Callable[[], None], Callable[[], None]]:
    import psycopg

    conn: Any = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    conn.autocommit = True
    for table in ("floor_stock", "floor_move", "floor_line", "floor_slip", "floor_counter"):
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    for ddl in _SCHEMA:
        conn.execute(ddl.format(serial="SERIAL"))
    conn.autocommit = False
    lines = _lines()

    def post() -> None:
        with conn.transaction(), conn.cursor() as cur:
            _write(cur, "%s", lines)

    return post, conn.close


@contextmanager
def floor(url: str | None = None) -> Iterator[Callable[[], None]]:
    """The floor's post, warmed up once, on a scratch SQLite file or the PostgreSQL URL."""
    with tempfile.TemporaryDirectory() as tmp:
        post, close = pg_floor(url) if url else sqlite_floor(Path(tmp) / "floor.db")
        try:
            post()
            yield post
        finally:
            close()


def run(slips: int, url: str | None = None) -> list[float]:
    """Milliseconds per floor post (after one warm-up post)."""
    with floor(url) as post:
        return timed(post, slips)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--slips", type=int, default=200)
    ap.add_argument("--url", help="a PostgreSQL URL (a scratch database: its tables are dropped)")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    where = "PostgreSQL" if args.url else "SQLite, sync=FULL"
    print(summary(f"floor: 20-line slip ({where})", run(args.slips, args.url)))


if __name__ == "__main__":
    main()
