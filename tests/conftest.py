from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from kaidan_tui.db.engine import Database
from kaidan_tui.services import users
from kaidan_tui.services.setup import init_store, load_demo
from kaidan_tui.services.users import UserInfo


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


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, _pepper_file: Path) -> Path:
    """The demo store, built once per test session; tests get copies."""
    path = tmp_path_factory.mktemp("template") / "demo.db"
    db = Database.open(str(path))
    load_demo(db)
    db.dispose()  # closes the last connection: the WAL is checkpointed into the file
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "demo.db"
    shutil.copy(demo_template, path)
    db = Database.open(str(path))
    yield db
    db.dispose()


@pytest.fixture
def empty_db(tmp_path: Path) -> Iterator[Database]:
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
