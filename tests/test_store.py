"""The store: migrations match the models, pragmas on every connection, schema checks."""

from __future__ import annotations

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


def test_head_revision_constant_matches_alembic() -> None:
    from alembic.config import Config

    cfg = alembic_config()
    assert isinstance(cfg, Config)
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD_REVISION
    assert (MIGRATIONS / "env.py").exists()


def test_migrations_match_models(empty_db: Database) -> None:
    with empty_db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    # the FTS5 virtual tables (and their shadow tables) are not models, on purpose
    real = [d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith("search_"))]
    assert real == []
    assert any(d[1].name == "search_tri" for d in diff)


def test_pragmas_on_every_connection(empty_db: Database) -> None:
    for unit in (empty_db.read, empty_db.write):
        with unit() as s:
            assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert s.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert s.execute(text("PRAGMA busy_timeout")).scalar() == 10000


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


def test_url_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_url(str(tmp_path / "a.db")) == f"sqlite:///{tmp_path / 'a.db'}"
    assert resolve_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("KAIDAN_DB", str(tmp_path / "env.db"))
    assert resolve_url(None).endswith("env.db")


def test_uninitialised_store_is_refused(tmp_path: Path) -> None:
    db = Database.open(str(tmp_path / "blank.db"))
    with pytest.raises(StateError, match="kaidan init"):
        check_schema(db.engine)
