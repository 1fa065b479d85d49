"""Store guards (triggers) and search objects, written once for SQLite and PostgreSQL.

Migrations call these instead of writing trigger SQL themselves, so every guard exists on
both databases with the same name and the same message::

    from kaidan_tui.db import ddl

    def upgrade() -> None:
        op.create_table("cash_count", ...)
        ddl.create(op, *ddl.append_only("cash_count"))   # no UPDATE, no DELETE

    def downgrade() -> None:
        ddl.drop(op, *ddl.append_only("cash_count"))
        op.drop_table("cash_count")

A guard refuses a row change with an error whose message starts with ``kaidan:``; the
driver raises it as an ``IntegrityError`` on both databases (SQLite ``RAISE(ABORT)``,
PostgreSQL SQLSTATE 23001 ``restrict_violation``).

``when`` conditions are written in SQLite's dialect (``IS NOT`` compares NULLs); they are
translated for PostgreSQL (``IS DISTINCT FROM``). PostgreSQL does not allow a subquery
in a trigger's ``WHEN``; a guard that needs one carries its own plpgsql ``pg_check``.

Imported by the migrations and by ``db/search.py`` (it imports nothing heavy).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from kaidan_tui.domain.errors import StateError

__all__ = [
    "OPEN",
    "Guard",
    "append_only",
    "create",
    "drop",
    "guard",
    "never_deleted",
    "pg_search_objects",
    "statements",
]

OPEN = "('draft', 'held')"
"""Slip statuses that may still change (a posted slip is fixed)."""

_PG_REFUSE = """CREATE OR REPLACE FUNCTION kd_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = TG_ARGV[0], ERRCODE = 'restrict_violation';
END $$"""


class _Bind(Protocol):
    @property
    def dialect(self) -> _Dialect: ...


class _Dialect(Protocol):
    @property
    def name(self) -> str: ...


class Operations(Protocol):
    """What we use of ``alembic.op``."""

    def get_bind(self) -> _Bind: ...
    def execute(self, sqltext: str) -> object: ...


@dataclass(frozen=True, slots=True)
class Guard:
    """One ``BEFORE <event>`` row trigger that refuses the change with ``message``.

    ``event``: ``INSERT``, ``UPDATE``, ``DELETE`` or ``UPDATE OF column``.
    ``when``: the condition (SQLite syntax, ``OLD``/``NEW``); None refuses every row.
    ``pg_check``: a plpgsql boolean expression used instead of ``when`` on PostgreSQL,
    for conditions that need a subquery (it may use ``OLD``/``NEW`` as ``when`` does).
    """

    name: str
    table: str
    event: str
    message: str
    when: str | None = None
    pg_check: str | None = None


def guard(
    name: str,
    table: str,
    event: str,
    message: str,
    when: str | None = None,
    *,
    pg_check: str | None = None,
) -> Guard:
    if not message.startswith("kaidan: "):
        message = "kaidan: " + message
    return Guard(name, table, event, message, when, pg_check)


def never_deleted(*tables: str, why: str = "") -> list[Guard]:
    """Rows of these tables are never deleted (``why`` is added to the message)."""
    return [
        guard(f"kd_no_delete_{t}", t, "DELETE", f"kaidan: {t} rows are never deleted{why}")
        for t in tables
    ]


def append_only(*tables: str, deletes: bool = True) -> list[Guard]:
    """No UPDATE of these tables; with ``deletes`` (the default) no DELETE either."""
    out = [guard(f"kd_append_only_{t}", t, "UPDATE", f"kaidan: {t} is append-only") for t in tables]
    return (never_deleted(*tables) + out) if deletes else out


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_IS_NOT = re.compile(r"\bIS NOT\b(?!\s+NULL\b)", re.IGNORECASE)
_IS = re.compile(r"\bIS\b(?!\s+(NOT|NULL|DISTINCT)\b)", re.IGNORECASE)


def pg_condition(when: str) -> str:
    """SQLite's ``a IS NOT b`` / ``a IS b`` → PostgreSQL's ``IS [NOT] DISTINCT FROM``."""
    return _IS.sub("IS NOT DISTINCT FROM", _IS_NOT.sub("IS DISTINCT FROM", when))


def _sqlite(g: Guard) -> list[str]:
    when = f"\nWHEN {g.when}" if g.when else ""
    return [
        f"CREATE TRIGGER {g.name} BEFORE {g.event} ON {g.table}{when}\n"
        f"BEGIN SELECT RAISE(ABORT, {_quote(g.message)}); END"
    ]


def _postgresql(g: Guard) -> list[str]:
    if g.pg_check is not None:
        # A function of its own: the check may query other tables.
        fn = f"{g.name}_fn"
        row = "OLD" if g.event.upper().startswith("DELETE") else "NEW"
        return [
            f"""CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF {g.pg_check} THEN
        RAISE EXCEPTION USING MESSAGE = {_quote(g.message)}, ERRCODE = 'restrict_violation';
    END IF;
    RETURN {row};
END $$""",
            f"CREATE TRIGGER {g.name} BEFORE {g.event} ON {g.table} FOR EACH ROW "
            f"EXECUTE FUNCTION {fn}()",
        ]
    when = f" WHEN ({pg_condition(g.when)})" if g.when else ""
    out = [
        f"CREATE TRIGGER {g.name} BEFORE {g.event} ON {g.table} FOR EACH ROW{when} "
        f"EXECUTE FUNCTION kd_refuse({_quote(g.message)})"
    ]
    if g.event.upper() == "DELETE" and g.when is None:
        # TRUNCATE fires no row trigger: refuse it too.
        out.append(
            f"CREATE TRIGGER {g.name}_truncate BEFORE TRUNCATE ON {g.table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION kd_refuse({_quote(g.message)})"
        )
    return out


def _unsupported(dialect: str) -> StateError:
    return StateError(f"kaidan 只支持 SQLite 和 PostgreSQL 数据库，不支持 {dialect}。请检查 --db。")


def statements(dialect: str, *guards: Guard) -> list[str]:
    """The DDL creating these guards on ``dialect`` (``sqlite`` or ``postgresql``)."""
    if dialect == "sqlite":
        return [s for g in guards for s in _sqlite(g)]
    if dialect == "postgresql":
        return [_PG_REFUSE] + [s for g in guards for s in _postgresql(g)]
    raise _unsupported(dialect)


def drop_statements(dialect: str, *guards: Guard) -> list[str]:
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {g.name}" for g in guards]
    if dialect == "postgresql":
        out: list[str] = []
        for g in guards:
            out.append(f"DROP TRIGGER IF EXISTS {g.name} ON {g.table}")
            out.append(f"DROP TRIGGER IF EXISTS {g.name}_truncate ON {g.table}")
            if g.pg_check is not None:
                out.append(f"DROP FUNCTION IF EXISTS {g.name}_fn()")
        return out
    raise _unsupported(dialect)


def create(op: Operations, *guards: Guard) -> None:
    """Create the guards on the migration's database, whichever it is."""
    for sql in statements(op.get_bind().dialect.name, *guards):
        op.execute(sql)


def drop(op: Operations, *guards: Guard) -> None:
    for sql in drop_statements(op.get_bind().dialect.name, *guards):
        op.execute(sql)


# --- search (PostgreSQL) -----------------------------------------------------------------
#
# SQLite searches substrings through two FTS5 tables kept by the app. PostgreSQL searches
# the same text (see db/search.py, which builds the same expressions) with pg_trgm GIN
# indexes on expressions, so there is nothing to keep in step; and text_pattern_ops
# indexes serve the prefix steps whatever the database's collation.

PG_PRODUCT_BODY = (
    "lower(code || ' ' || coalesce(barcode, '') || ' ' || name || ' ' || initials || ' ' || spec)"
)
PG_CUSTOMER_BODY = "lower(code || ' ' || name || ' ' || initials || ' ' || contact || ' ' || phone)"
PG_CUSTOMER_GRAMS = "(name || ' ' || contact)"


def pg_search_objects() -> list[str]:
    """pg_trgm (a trusted extension: the database owner may create it) and the indexes."""
    return [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        f"CREATE INDEX search_product_body ON product USING gin (({PG_PRODUCT_BODY}) gin_trgm_ops)",
        f"CREATE INDEX search_customer_body ON customer "
        f"USING gin (({PG_CUSTOMER_BODY}) gin_trgm_ops)",
        *(
            f"CREATE INDEX search_{t}_{c} ON {t} ({c} text_pattern_ops)"
            for t in ("product", "customer")
            for c in ("code", "initials", "name")
        ),
    ]


def pg_search_drops() -> list[str]:
    return [
        "DROP INDEX IF EXISTS search_product_body",
        "DROP INDEX IF EXISTS search_customer_body",
        *(
            f"DROP INDEX IF EXISTS search_{t}_{c}"
            for t in ("product", "customer")
            for c in ("code", "initials", "name")
        ),
    ]
