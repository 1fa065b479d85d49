"""Engine factory and the unit-of-work helpers.

- ``--db URL`` or ``KAIDAN_DB``; a plain path means SQLite.
- SQLite on every connection: WAL, ``synchronous=FULL`` (a commit survives power loss),
  ``foreign_keys=ON``, ``busy_timeout``. pysqlite's own transaction handling is switched
  off and we emit BEGIN ourselves: ``BEGIN IMMEDIATE`` for writes, so a writer takes the
  lock up front instead of failing half-way when it upgrades a read lock under load.
- PostgreSQL: every write transaction first takes one transaction-level advisory lock
  (``pg_advisory_xact_lock``), so writers queue exactly as SQLite's ``BEGIN IMMEDIATE``
  makes them: the audit chain stays one line, and each check-then-write (stock, credit,
  closed day, idempotency key) sees the last committed write. READ COMMITTED is enough
  then. Slip numbers are also taken from a locked counter row (``services/slips.py``).
  Reads never wait for the lock; each ``read()`` is one REPEATABLE READ snapshot.
- SQLite writers also queue on ``flock`` of ``<store>-writer.lock`` before BEGIN IMMEDIATE.
  SQLite's own busy wait sleeps longer and longer while it waits, so a counter that has
  waited long keeps losing to newcomers (8 counters posting non-stop: one waited 9 s).
  The kernel wakes a flock waiter the moment the lock is free. The lock is taken per
  transaction, by each thread on its own descriptor, and the kernel drops it if the
  process dies; busy_timeout still guards against writers that do not take it.
- The database file is created 0600 (customer data is confidential, D20).
- No engine or session is made at import time.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

from kaidan_tui.db.location import default_data_dir, resolve_url, sqlite_path

__all__ = ["Database", "default_data_dir", "make_engine", "resolve_url", "sqlite_path"]

BUSY_TIMEOUT_MS = 10_000
_BEGIN_RETRIES = 20


def _create_private_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def _sqlite_on_connect(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_on_begin)
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_on_begin(conn: Connection) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get("kaidan_write") else "DEFERRED"
    # BEGIN IMMEDIATE waits busy_timeout for the write lock; nothing has run yet, so a
    # retry after "database is locked" is always safe here.
    for attempt in range(_BEGIN_RETRIES):
        try:
            conn.exec_driver_sql(f"BEGIN {mode}")
            return
        except Exception as exc:  # sqlalchemy wraps sqlite3.OperationalError
            orig = getattr(exc, "orig", exc)
            if not isinstance(orig, sqlite3.OperationalError) or attempt == _BEGIN_RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


WRITE_LOCK_KEY = 0x6B616964616E  # "kaidan": the one advisory lock writers queue on
WRITE_LOCK_TIMEOUT = "30s"
"""How long a PostgreSQL writer waits for the others before it gives up (an error)."""


def _pg_on_begin(conn: Connection) -> None:
    if conn.get_execution_options().get("kaidan_write"):
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{WRITE_LOCK_TIMEOUT}'")
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        _create_private_file(path)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    engine = create_engine(url, echo=echo, pool_pre_ping=True)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "begin", _pg_on_begin)
    return engine


WRITER_LOCK_SUFFIX = "-writer.lock"


class _WriterQueue:
    """The flock writers of one SQLite store queue on (see the module docstring).

    Re-entrant per thread: a write inside a write in the same thread must not wait for
    itself (SQLite's own busy timeout then answers, as it always did). A lock file that
    cannot be made (a read-only folder) means no queue, not a failed write."""

    def __init__(self, store: Path) -> None:
        self.path = store.with_name(store.name + WRITER_LOCK_SUFFIX)
        self._held = threading.local()

    @contextmanager
    def turn(self) -> Iterator[None]:
        if getattr(self._held, "depth", 0):
            self._held.depth += 1
            try:
                yield
            finally:
                self._held.depth -= 1
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            yield
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._held.depth = 1
            yield
        finally:
            self._held.depth = 0
            os.close(fd)  # closing the descriptor releases the lock


class Database:
    """One store: an engine plus read and write units of work.

    ``with db.read() as s`` — a deferred transaction for lookups;
    ``with db.write() as s`` — BEGIN IMMEDIATE on SQLite, the writers' advisory lock on
    PostgreSQL; commits on success,
    rolls back on any exception, so nothing is ever half-written.
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        from kaidan_tui.db import guards, search  # noqa: F401  (registers ORM events)

        self.url = url
        self.engine = make_engine(url, echo=echo)
        self._write_engine = self.engine.execution_options(kaidan_write=True)
        # A read is one snapshot on both databases (SQLite: a deferred transaction in WAL;
        # PostgreSQL: REPEATABLE READ), so a report of many queries never sees a slip
        # posted halfway through it.
        self._read_engine = (
            self.engine.execution_options(isolation_level="REPEATABLE READ")
            if self.engine.dialect.name == "postgresql"
            else self.engine
        )
        path = sqlite_path(url)
        self._writers = _WriterQueue(path) if path is not None else None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @classmethod
    def open(cls, db: str | None) -> Database:
        return cls(resolve_url(db))

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self._read_engine, expire_on_commit=False) as session, session.begin():
            yield session

    def _turn(self) -> AbstractContextManager[None]:
        return self._writers.turn() if self._writers is not None else nullcontext()

    @contextmanager
    def write(self) -> Iterator[Session]:
        with (
            self._turn(),
            Session(self._write_engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
