"""The store: migrations match the models, pragmas on every connection, schema checks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from kaidan_tui.db.engine import Database, resolve_url
from kaidan_tui.db.migrate import HEAD_REVISION, MIGRATIONS, alembic_config, check_schema
from kaidan_tui.db.models import metadata
from kaidan_tui.domain.errors import StateError
from tests.support.pg import PgStores

pytestmark = pytest.mark.also_postgres


def test_head_revision_constant_matches_alembic() -> None:
    from alembic.config import Config

    cfg = alembic_config()
    assert isinstance(cfg, Config)
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD_REVISION
    assert (MIGRATIONS / "env.py").exists()


def _search_object(d: object) -> bool:
    """The search objects are not models, on purpose: FTS5 tables (and their shadow
    tables) on SQLite, pg_trgm and text_pattern_ops indexes on PostgreSQL."""
    return (
        isinstance(d, tuple)
        and d[0] in ("remove_table", "remove_index")
        and str(d[1].name).startswith("search_")
    )


def test_migrations_match_models(empty_db: Database) -> None:
    with empty_db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diff if not _search_object(d)] == []
    if empty_db.is_sqlite:
        assert any(d[1].name == "search_tri" for d in diff)


def test_guards_exist_on_every_database(empty_db: Database) -> None:
    """The same triggers by name on SQLite and PostgreSQL."""
    sql = (
        "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        if empty_db.is_sqlite
        else "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname NOT LIKE '%_truncate'"
    )
    with empty_db.read() as s:
        names = set(s.execute(text(sql)).scalars())
    assert len(names) >= 35
    for name in ("kd_no_delete_slip", "kd_append_only_audit_log", "kd_slip_posted_immutable",
                 "kd_slip_line_insert", "kd_counter_step", "kd_append_only_day_close"):  # fmt: skip
        assert name in names


@pytest.mark.sqlite_only
def test_pragmas_on_every_connection(empty_db: Database) -> None:
    for unit in (empty_db.read, empty_db.write):
        with unit() as s:
            assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert s.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert s.execute(text("PRAGMA busy_timeout")).scalar() == 10000


@pytest.mark.sqlite_only
def test_writes_begin_immediate(empty_db: Database) -> None:
    """A write transaction holds the write lock from its first statement."""
    other = Database(empty_db.url)
    with empty_db.write() as s:
        s.execute(text("SELECT 1"))
        conn = other.engine.raw_connection()
        try:
            conn.execute("PRAGMA busy_timeout=0")  # type: ignore[attr-defined]
            with pytest.raises(Exception, match="locked"):
                conn.execute("BEGIN IMMEDIATE")  # type: ignore[attr-defined]
        finally:
            conn.close()
    other.dispose()


@pytest.mark.sqlite_only
def test_url_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_url(str(tmp_path / "a.db")) == f"sqlite:///{tmp_path / 'a.db'}"
    assert resolve_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("KAIDAN_DB", str(tmp_path / "env.db"))
    assert resolve_url(None).endswith("env.db")


@pytest.mark.sqlite_only
def test_uninitialised_store_is_refused(tmp_path: Path) -> None:
    db = Database.open(str(tmp_path / "blank.db"))
    with pytest.raises(StateError, match="kaidan init"):
        check_schema(db.engine)


@pytest.mark.sqlite_only
def test_a_store_newer_than_the_program_is_refused(empty_db: Database) -> None:
    """Counters sharing a store are upgraded one by one: one not yet upgraded must stop
    at the newer store (it might hold slips of a kind it cannot read), and say that the
    program, not the store, needs the upgrade."""
    from sqlalchemy import text

    check_schema(empty_db.engine)
    newer = f"{int(HEAD_REVISION) + 1:04d}"
    with empty_db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": newer})
    with pytest.raises(StateError, match=f"数据库版本 {newer} 比本程序（{HEAD_REVISION}）新"):
        check_schema(empty_db.engine)
    with empty_db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    with pytest.raises(StateError, match="kaidan db upgrade"):
        check_schema(empty_db.engine)


@pytest.mark.postgresql_only
def test_writers_queue_on_postgresql(empty_db: Database) -> None:
    """A PostgreSQL writer holds the writers' lock for its whole transaction; readers pass."""
    from kaidan_tui.db.engine import WRITE_LOCK_KEY

    other = Database(empty_db.url)
    try:
        with empty_db.write() as s:
            s.execute(text("SELECT 1"))
            with other.engine.connect() as conn:
                taken = conn.execute(
                    text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": WRITE_LOCK_KEY}
                ).scalar()
                assert taken is False
                assert conn.execute(text("SELECT count(*) FROM ledger")).scalar() == 1
        with other.engine.connect() as conn:
            taken = conn.execute(
                text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": WRITE_LOCK_KEY}
            ).scalar()
            assert taken is True
    finally:
        other.dispose()


@pytest.mark.postgresql_only
def test_uninitialised_postgresql_store_is_refused(pg_stores: PgStores) -> None:
    stores = pg_stores
    name, url = stores.blank()
    db = Database(url)
    try:
        with pytest.raises(StateError, match="kaidan init"):
            check_schema(db.engine)
    finally:
        db.dispose()
        stores.drop(name)


@pytest.mark.sqlite_only
def test_sqlite_writers_queue_on_the_writer_lock(empty_db: Database) -> None:
    """A writer waits its turn on ``<store>-writer.lock`` (woken as soon as it is free),
    re-entrant in one thread; the lock file is private like the store."""
    import fcntl
    import threading

    from kaidan_tui.db.engine import WRITER_LOCK_SUFFIX
    from kaidan_tui.db.location import sqlite_path

    store = sqlite_path(empty_db.url)
    assert store is not None
    lock = store.with_name(store.name + WRITER_LOCK_SUFFIX)
    queue = empty_db._writers
    assert queue is not None
    with queue.turn(), queue.turn():  # re-entrant in one thread: no waiting for itself
        pass
    with empty_db.write() as s:
        s.execute(text("SELECT 1"))
    assert lock.stat().st_mode & 0o077 == 0
    done = threading.Event()

    def write() -> None:
        with empty_db.write() as s:
            s.execute(text("SELECT 1"))
        done.set()

    fd = os.open(lock, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another counter is writing
    worker = threading.Thread(target=write)
    worker.start()
    assert not done.wait(0.5)  # still queued behind it
    os.close(fd)  # that writer commits
    assert done.wait(30)
    worker.join()
