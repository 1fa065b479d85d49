"""Alembic environment. Called by :func:`kaidan_tui.db.migrate.upgrade` with a live
connection in ``config.attributes["connection"]``, or by the ``alembic`` command with
``KAIDAN_DB`` / ``-x db=URL``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from kaidan_tui.db.engine import make_engine, resolve_url
from kaidan_tui.db.models import metadata

config = context.config


def _include(obj: object, name: str | None, type_: str, reflected: bool, _other: object) -> bool:
    """Autogenerate leaves the search objects alone (FTS5 tables, pg_trgm indexes)."""
    return not (reflected and (name or "").startswith("search_"))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=_include,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("db")
    engine = make_engine(resolve_url(url)).execution_options(kaidan_write=True)
    with engine.connect() as conn:
        _run(conn)


if context.is_offline_mode():  # pragma: no cover - we never generate offline SQL
    raise SystemExit("kaidan migrations run online only")
run_migrations_online()
