"""PostgreSQL itself: the command line on a PostgreSQL URL, and guards SQLite has no need of.

The store, numbering, search, slip and lifecycle tests also run on PostgreSQL (they are
marked ``also_postgres``); this file holds what only makes sense there.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from kaidan_tui.db.engine import Database

from .pg import PgStores
from .test_cli import kaidan

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
