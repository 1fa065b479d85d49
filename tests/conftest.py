"""Fixtures. ``demo_db``/``empty_db`` are SQLite stores; in a module or test marked
``also_postgres`` they are parametrised over ``sqlite`` and ``postgresql`` (a fresh
PostgreSQL database per test, see ``tests/support/pg.py``). ``sqlite_only`` marks a test of such
a module that checks SQLite itself (pragmas, locks); ``postgresql_only`` one that checks
PostgreSQL itself."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from kaidan_tui.db.engine import Database
from kaidan_tui.services import users
from kaidan_tui.services.setup import init_store, load_demo
from kaidan_tui.services.users import UserInfo
from tests.support import pg

BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_backend" not in metafunc.fixturenames:
        return
    node = metafunc.definition
    if node.get_closest_marker("postgresql_only"):
        metafunc.parametrize("db_backend", ["postgresql"], indirect=True)
    elif node.get_closest_marker("also_postgres") and not node.get_closest_marker("sqlite_only"):
        metafunc.parametrize("db_backend", BACKENDS, indirect=True)


@pytest.fixture
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    yield from pg.server()


@pytest.fixture(scope="session")
def pg_stores(pg_server: str) -> Iterator[pg.PgStores]:
    stores = pg.PgStores(pg_server)
    yield stores
    stores.close()


def _pg_db(request: pytest.FixtureRequest, kind: str) -> Iterator[Database]:
    stores: pg.PgStores = request.getfixturevalue("pg_stores")
    name, url = stores.fresh(kind)
    db = Database(url)
    try:
        yield db
    finally:
        db.dispose()
        stores.drop(name)


@pytest.fixture(scope="session", autouse=True)
def _pepper_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One pepper for the whole session (the demo template is keyed with it), never the
    user's own ``~/.config/kaidan/pepper``; subprocesses inherit it through the env."""
    path = tmp_path_factory.mktemp("pepper") / "pepper"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KAIDAN_PEPPER_FILE", str(path))
        yield path


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may touch a real user's data or config."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("KAIDAN_DB", raising=False)


@pytest.fixture(autouse=True)
def _strict_app(monkeypatch: pytest.MonkeyPatch) -> None:
    """An error the app survives (reported in Chinese, logged) still fails the test that
    met it; the tests of that safety net turn it off for their app."""
    from kaidan_tui.tui.host import KaidanHost

    monkeypatch.setattr(KaidanHost, "strict", True)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, _pepper_file: Path) -> Path:
    """The demo store, built once per test session; tests get copies."""
    path = tmp_path_factory.mktemp("template") / "demo.db"
    db = Database.open(str(path))
    load_demo(db)
    db.dispose()  # closes the last connection: the WAL is checkpointed into the file
    return path


@pytest.fixture
def demo_db(db_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if db_backend == "postgresql":
        yield from _pg_db(request, "demo")
        return
    path = tmp_path / "demo.db"
    shutil.copy(request.getfixturevalue("demo_template"), path)
    db = Database.open(str(path))
    yield db
    db.dispose()


@pytest.fixture
def empty_db(db_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if db_backend == "postgresql":
        yield from _pg_db(request, "empty")
        return
    db = Database.open(str(tmp_path / "empty.db"))
    init_store(db)
    yield db
    db.dispose()


@pytest.fixture
def clerk(demo_db: Database) -> UserInfo:
    with demo_db.read() as s:
        return users.get_user(s, "1001")


@pytest.fixture
def supervisor(demo_db: Database) -> UserInfo:
    return users.approve(demo_db, "8001", "8888")


@pytest.fixture
def store(demo_template: Path, tmp_path: Path) -> str:
    """A copy of the demo store, as a path for the command line."""
    path = tmp_path / "x.db"
    shutil.copy(demo_template, path)
    return str(path)
