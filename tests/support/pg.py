"""A throwaway PostgreSQL for the tests, and a fresh database for each test.

The server: ``KAIDAN_TEST_PG_URL`` (an admin URL of a server where we may CREATE
DATABASE), else one started for this test session by ``.ci/pg.sh`` in a temporary
folder and stopped at the end. Without one, the PostgreSQL tests skip and say why; with
``CI=true`` or ``KAIDAN_TEST_PG=1`` they fail instead, so CI never skips them silently.
``KAIDAN_TEST_PG=0`` turns them off (outside CI).

Each test gets its own database, copied (``CREATE DATABASE … TEMPLATE``) from an empty
or a demo store built once per session, and dropped after the test.
"""

from __future__ import annotations

import itertools
import os
import secrets
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".ci" / "pg.sh"


def required() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("KAIDAN_TEST_PG") == "1"


def unavailable(reason: str) -> None:
    if required():
        pytest.fail(f"PostgreSQL tests must run here but {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL not available: {reason}")


def server() -> Iterator[str]:
    """Yield an admin URL for a PostgreSQL server (the body of a session fixture)."""
    if os.environ.get("KAIDAN_TEST_PG") == "0" and not required():
        pytest.skip("PostgreSQL tests turned off (KAIDAN_TEST_PG=0)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("psycopg is not installed (pip install -e '.[test]')")
    given = os.environ.get("KAIDAN_TEST_PG_URL")
    if given:
        yield given
        return
    folder = tempfile.mkdtemp(prefix="kaidan-pg-", dir="/tmp")  # short: the socket lives here
    try:
        started = subprocess.run(
            [str(SCRIPT), "start", folder],
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        os.rmdir(folder)
        unavailable(f"{SCRIPT.name} could not run: {exc}")
        raise AssertionError("unreachable") from exc
    if started.returncode != 0:
        subprocess.run([str(SCRIPT), "stop", folder], capture_output=True, check=False)
        why = (started.stderr.strip() or started.stdout.strip()).splitlines()
        unavailable(f"the throwaway server did not start: {' | '.join(why[-5:])}")
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([str(SCRIPT), "stop", folder], capture_output=True, check=False)


class PgStores:
    """Fresh databases on one server: ``fresh("empty")`` / ``fresh("demo")`` → a URL."""

    def __init__(self, admin_url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url
        from sqlalchemy.pool import NullPool

        self._url = make_url(admin_url)
        self.admin = create_engine(self._url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.prefix = f"kdt_{os.getpid()}_{secrets.token_hex(3)}"
        self._templates: dict[str, str] = {}
        self._n = itertools.count(1)

    def url(self, name: str) -> str:
        return self._url.set(database=name).render_as_string(hide_password=False)

    def _sql(self, sql: str) -> None:
        from sqlalchemy import text

        with self.admin.connect() as conn:
            conn.execute(text(sql))

    def _template(self, kind: str) -> str:
        if kind in self._templates:
            return self._templates[kind]
        from kaidan_tui.db.engine import Database
        from kaidan_tui.services.setup import init_store, load_demo

        name = f"{self.prefix}_tpl_{kind}"
        self._sql(f"CREATE DATABASE {name}")
        db = Database(self.url(name))
        try:
            if kind == "demo":
                load_demo(db)
            else:
                init_store(db)
        finally:
            db.dispose()  # a template may have no connections while it is copied
        self._templates[kind] = name
        return name

    def fresh(self, kind: str) -> tuple[str, str]:
        """A new database copied from the ``kind`` template: (name, URL)."""
        template = self._template(kind)
        name = f"{self.prefix}_{next(self._n)}"
        self._sql(f"CREATE DATABASE {name} TEMPLATE {template}")
        return name, self.url(name)

    def blank(self) -> tuple[str, str]:
        """A new database with nothing in it (not even the schema)."""
        name = f"{self.prefix}_{next(self._n)}"
        self._sql(f"CREATE DATABASE {name}")
        return name, self.url(name)

    def drop(self, name: str) -> None:
        self._sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        for name in self._templates.values():
            self.drop(name)
        self.admin.dispose()
