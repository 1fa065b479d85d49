"""PostgreSQL itself: the command line on a PostgreSQL URL, and guards SQLite has no need of.

The store, numbering, search, slip and lifecycle tests also run on PostgreSQL (they are
marked ``also_postgres``); this file holds what only makes sense there.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from kaidan_tui.db.engine import Database
from tests.support.cli import kaidan
from tests.support.pg import PgStores

pytestmark = pytest.mark.postgresql_only


def test_init_demo_search_and_verify_on_a_postgresql_url(pg_stores: PgStores) -> None:
    name, url = pg_stores.blank()
    try:
        done = kaidan("init", "--demo", "--db", url)
        assert done.returncode == 0, done.stderr
        assert "326 个商品" in done.stdout
        again = kaidan("init", "--demo", "--db", url)
        assert again.returncode == 2
        assert "已经初始化" in again.stderr
        assert "Traceback" not in again.stderr
        found = kaidan("search", "products", "kkkl", env={"KAIDAN_DB": url})
        assert found.returncode == 0, found.stderr
        assert "可口可乐" in found.stdout
        verify = kaidan("audit", "verify", "--db", url)
        assert verify.returncode == 0, verify.stderr
        assert kaidan("db", "reindex", "--db", url).returncode == 0
    finally:
        pg_stores.drop(name)


def test_init_then_users_on_a_postgresql_url(pg_stores: PgStores) -> None:
    name, url = pg_stores.blank()
    try:
        assert kaidan("init", "--db", url).returncode == 0
        assert kaidan("init", "--db", url).returncode == 0  # again: an upgrade, nothing to do
        added = kaidan(
            "users", "add", "1001", "--name", "张丽", "--role", "clerk", "--pin-stdin",
            "--db", url, stdin="2468\n",
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
    finally:
        pg_stores.drop(name)


@pytest.mark.parametrize("table", ["slip", "stock_movement", "audit_log", "day_close"])
def test_truncate_is_refused(empty_db: Database, table: str) -> None:
    """TRUNCATE fires no row trigger on PostgreSQL; a statement trigger refuses it."""
    with pytest.raises(IntegrityError, match="never deleted"), empty_db.write() as s:
        s.execute(text(f"TRUNCATE {table} CASCADE"))


def test_unreachable_server_is_explained_in_chinese() -> None:
    url = "postgresql+psycopg://kaidan@/kaidan?host=/nonexistent-kaidan-socket"
    done = kaidan("search", "products", "kkkl", "--db", url)
    assert done.returncode == 2
    assert "连不上数据库服务器" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_eight_counters_on_one_postgresql_store(pg_stores: PgStores) -> None:
    """Counters on several machines: 8 processes post at once through the writers' lock
    and the locked counter row; nothing reaches a clerk, numbers are 1..N per series."""
    from kaidan_tui.db.queries.accounts import check_balances
    from kaidan_tui.services.audit import verify_chain
    from tests.support import concurrency

    name, url = pg_stores.fresh("demo")
    try:
        report = concurrency.run(url, procs=8, seconds=8)
        assert report.errors == []
        assert all(r.acks for r in report.results) and report.aborts > 0
        db = Database(url)
        with db.read() as s:
            rows = s.execute(text(
                "SELECT l.code, t.number, t.status, t.line_count, t.total_amount, "
                "(SELECT COUNT(*) FROM slip_line x WHERE x.slip_id = t.id) "
                "FROM slip t JOIN ledger l ON l.id = t.ledger_id WHERE t.number IS NOT NULL"
            )).all()  # fmt: skip
            series = s.execute(text(
                "SELECT t.ledger_id, t.type, t.year, COUNT(*), COUNT(DISTINCT t.seq), MAX(t.seq), "
                "MAX(c.last_seq) FROM slip t JOIN number_counter c ON c.ledger_id = t.ledger_id "
                "AND c.slip_type = t.type AND c.year = t.year WHERE t.seq IS NOT NULL "
                "GROUP BY t.ledger_id, t.type, t.year"
            )).all()  # fmt: skip
            assert check_balances(s) == []
            assert verify_chain(s).broken_at is None
        db.dispose()
        held = {(code, number): rest for code, number, *rest in rows}
        for ack in report.acks:
            status, line_count, total, lines = held[(ack.ledger, ack.number)]
            assert (status, line_count, lines, total) == (
                "posted", ack.lines, ack.lines, int(ack.total * 100)
            )  # fmt: skip
        for _ledger, _type, _year, count, distinct, top, last in series:
            assert count == distinct == top == last  # 1..N: no gap, no duplicate
    finally:
        pg_stores.drop(name)


def test_a_read_is_one_snapshot(empty_db: Database) -> None:
    """A report of many queries never sees a write that lands halfway through it."""
    with empty_db.read() as s:
        level = s.execute(text("SHOW transaction_isolation")).scalar_one()
        before = s.execute(text("SELECT COUNT(*) FROM setting")).scalar_one()
        with empty_db.write() as w:  # another counter commits meanwhile
            w.execute(text("INSERT INTO setting (key, value) VALUES ('snapshot.test', 'x')"))
        during = s.execute(text("SELECT COUNT(*) FROM setting")).scalar_one()
    with empty_db.read() as s:
        after = s.execute(text("SELECT COUNT(*) FROM setting")).scalar_one()
    assert level == "repeatable read"
    assert during == before and after == before + 1
    with empty_db.write() as w:
        level = w.execute(text("SHOW transaction_isolation")).scalar_one()
    assert level == "read committed"  # writers queue on the lock and see the latest rows
