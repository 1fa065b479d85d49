"""Many-row INSERTs for the posting path, with each row's parameters made in one pass.

SQLAlchemy builds an executemany's parameters row by row through its compiled
statement (a dict per row, then every column's bind processor); for a 20-line slip that
costs more than the database does. A :class:`Bulk` statement is written once per
dialect as plain SQL with positional placeholders, and each row is a tuple passed
through the same bind processors the table's column types define (Money → fen,
Qty → thousandths, datetimes as the dialect stores them), so the stored values are
exactly what a Core ``insert()`` would have written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Dialect, Table

_Processor = Callable[[Any], Any]


class Bulk:
    """``INSERT INTO table (columns) VALUES (…) [tail]``, run for many rows at once.

    ``tail`` is dialect-neutral SQL after the VALUES list (an ``ON CONFLICT`` clause);
    it may not contain placeholders: only the listed columns take parameters.
    """

    def __init__(self, table: Table, columns: Sequence[str], *, tail: str = "") -> None:
        self.table = table
        self.columns = tuple(columns)
        self.tail = tail
        self._compiled: dict[str, tuple[str, tuple[tuple[int, _Processor], ...]]] = {}
        for name in self.columns:
            table.c[name]

    def _for(self, dialect: Dialect) -> tuple[str, tuple[tuple[int, _Processor], ...]]:
        hit = self._compiled.get(dialect.name)
        if hit is None:
            mark = "?" if dialect.paramstyle == "qmark" else "%s"
            quote = dialect.identifier_preparer.quote
            sql = (
                f"INSERT INTO {quote(self.table.name)} "
                f"({', '.join(quote(c) for c in self.columns)}) "
                f"VALUES ({', '.join([mark] * len(self.columns))})"
            )
            if self.tail:
                sql += " " + self.tail
            processors = []
            for i, name in enumerate(self.columns):
                column_type = self.table.c[name].type
                proc = column_type.dialect_impl(dialect).bind_processor(dialect)
                if proc is not None:
                    processors.append((i, proc))
            hit = (sql, tuple(processors))
            self._compiled[dialect.name] = hit
        return hit

    def run(self, conn: Connection, rows: Iterable[Sequence[Any]]) -> None:
        """Insert the rows (each a value per column, in order); nothing when there are none."""
        sql, processors = self._for(conn.dialect)
        params = []
        for row in rows:
            values = list(row)
            for i, proc in processors:
                values[i] = proc(values[i])
            params.append(tuple(values))
        if params:
            conn.exec_driver_sql(sql, params)
