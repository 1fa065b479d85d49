"""Schema version check (cheap, no alembic import) and upgrade (imports alembic)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from kaidan_tui.domain.errors import StateError

HEAD_REVISION = "0010"
"""The newest migration; a test checks it matches alembic's head."""

MIGRATIONS = Path(__file__).parent / "migrations"


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except ProgrammingError:  # PostgreSQL: no alembic_version table yet
        return None
    except OperationalError as exc:  # SQLite says "no such table"; anything else is real
        if "no such table" in str(exc.orig):
            return None
        raise


def check_schema(engine: Engine) -> None:
    """Refuse to work on a store that is not initialised or needs an upgrade."""
    rev = current_revision(engine)
    if rev is None:
        raise StateError(
            "数据库尚未初始化。请先运行：kaidan init --db <路径>（演示数据加 --demo）。"
        )
    if rev > HEAD_REVISION:  # four digits each: text order is version order
        raise StateError(
            f"数据库版本 {rev} 比本程序（{HEAD_REVISION}）新：另一台柜台已升级了数据库。"
            "请先把这台电脑上的 kaidan 更新到同一版本，再开单。"
        )
    if rev != HEAD_REVISION:
        raise StateError(
            f"数据库版本 {rev} 与程序版本 {HEAD_REVISION} 不一致。"
            "请先备份，再运行：kaidan db upgrade"
        )


def alembic_config() -> object:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    cfg = alembic_config()
    assert isinstance(cfg, Config)
    with engine.execution_options(kaidan_write=True).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
