"""What every command shares: the options, opening the store, messages, the operator."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from kaidan_tui.db.engine import Database
    from kaidan_tui.printing.config import PrintersConfig
    from kaidan_tui.services.lifecycle import LifecycleResult
    from kaidan_tui.services.users import UserInfo


DbOpt = Annotated[
    str | None,
    typer.Option("--db", envvar="KAIDAN_DB", help="数据库：文件路径 (SQLite) 或 URL。"),
]


UserOpt = Annotated[str | None, typer.Option("--user", envvar="KAIDAN_USER", help="操作人编码")]


SupervisorOpt = Annotated[str, typer.Option("--supervisor", help="审批主管编码")]


PinStdinOpt = Annotated[bool, typer.Option("--pin-stdin", help="从标准输入读主管 PIN")]


def _err(message: str) -> None:
    typer.echo(message, err=True)


def fail(message: str, code: int = 2) -> NoReturn:
    _err(message)
    raise typer.Exit(code)


_opened: str | None = None
"""The store this run opened (shown in database error messages)."""


_SQLITE_MAGIC = b"SQLite format 3\x00"


def _check_sqlite_file(path: Path, *, must_exist: bool) -> None:
    """Refuse, in Chinese, a path that cannot be a store, before SQLite sees it."""
    if path.is_dir():
        fail(f"数据库路径是一个目录：{path}。请在 --db 给出文件路径，例如 {path / 'kaidan.db'}")
    if not path.exists():
        if must_exist:
            demo = demo_path()
            hint = f"；要用演示库请加 --db {demo}" if demo.exists() else ""
            fail(f"数据库文件不存在：{path}。新建正式库请运行 kaidan init --db {path}{hint}")
        return
    try:
        with path.open("rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        fail(f"无法读取数据库文件 {path}：{exc.strerror}。请检查文件权限。")
    if head and head != _SQLITE_MAGIC:
        fail(
            f"{path} 不是 SQLite 数据库文件（可能是别的文件）。"
            "请检查 --db 是否指向 kaidan 的数据库。"
        )


def _safe_url(url: str) -> str:
    """A database URL fit for a message: the password masked."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not even a URL: show no part of it that may be secret
        return "（--db 指定的数据库）"


def open_db(db: str | None, *, check: bool = True) -> Database:
    """The store named by ``--db``; ``check``: it must exist, be initialised and current."""
    global _opened
    from kaidan_tui.db.engine import Database, resolve_url, sqlite_path
    from kaidan_tui.db.migrate import check_schema

    url = resolve_url(db)
    path = sqlite_path(url)
    _opened = str(path) if path is not None else _safe_url(url)
    if path is not None:
        _check_sqlite_file(path, must_exist=check)
    try:
        database = Database(url)
    except OSError as exc:  # the file (or its folder) could not be created
        fail(f"无法创建数据库文件 {_opened}：{exc.strerror}。请检查路径和写权限。")
    if check:
        check_schema(database.engine)
    return database


def store_opener(db: str | None) -> Callable[[], Database]:
    """Check the path now (cheap), open the store later in the app's background worker.

    The login screen is then up in well under a second; SQLAlchemy, the models and the
    schema check load while the clerk types the code and PIN.
    """
    from kaidan_tui.db.location import resolve_url, sqlite_path

    url = resolve_url(db)
    path = sqlite_path(url)
    if path is not None:
        _check_sqlite_file(path, must_exist=True)

    def opener() -> Database:
        from kaidan_tui.db.engine import Database
        from kaidan_tui.db.migrate import check_schema

        database = Database(url)
        check_schema(database.engine)
        return database

    return opener


def demo_path() -> Path:
    from kaidan_tui.db.location import default_data_dir

    return default_data_dir() / "demo" / "kaidan-demo.db"


FileArg = Annotated[Path, typer.Argument(help="CSV（UTF-8/GBK）或 XLSX 文件")]


DryOpt = Annotated[bool, typer.Option("--dry-run", help="只检查，不写入。")]


AdminOpt = Annotated[
    str | None,
    typer.Option("--supervisor", help="审批主管编码（库里还没有主管时，第一个主管可不填）"),
]


def _read_pin(pin_stdin: bool, prompt: str) -> str:
    """A new PIN: one line of stdin, or typed twice on the terminal (hidden)."""
    if pin_stdin:
        return sys.stdin.readline().strip()
    if not sys.stdin.isatty():
        fail("没有终端可输入 PIN；请用 --pin-stdin 从标准输入传入。")
    pin = str(typer.prompt(prompt, hide_input=True))
    if pin != typer.prompt("再输一次", hide_input=True):
        fail("两次输入的 PIN 不一致，没有改动。")
    return pin


def _admin(database: Database, supervisor: str | None, pin_stdin: bool) -> UserInfo | None:
    """The approving supervisor (PIN first line of stdin with --pin-stdin), if named."""
    return _approver(database, supervisor, pin_stdin) if supervisor else None


PrintersOpt = Annotated[
    str | None,
    typer.Option(
        "--printers", envvar="KAIDAN_PRINTERS", help="打印机配置文件（默认见 printers.toml 说明）。"
    ),
]


def _printers(database: Database | None, path: str | None) -> PrintersConfig:
    from kaidan_tui.db.engine import default_data_dir
    from kaidan_tui.printing import config as printer_config
    from kaidan_tui.services.printouts import load_printers

    if database is None:
        return printer_config.load(path, data_dir=default_data_dir())
    return load_printers(database, path)


def _approver(database: Database, supervisor: str, pin_stdin: bool) -> UserInfo:
    """The supervisor's PIN, from the terminal (hidden) or one line of stdin."""
    from kaidan_tui.services.users import approve

    if pin_stdin:
        pin = sys.stdin.readline().strip()
    else:
        if not sys.stdin.isatty():
            fail("需要主管 PIN：没有终端可输入，请用 --pin-stdin 从标准输入传入。")
        pin = typer.prompt(f"主管 {supervisor} 的 PIN", hide_input=True)
    return approve(database, supervisor, pin)


def _operator(database: Database, user: str | None) -> UserInfo:
    """Who does it: ``--user`` (or KAIDAN_USER), else the import user."""
    from kaidan_tui.services import users
    from kaidan_tui.services.setup import IMPORT_USER

    return users.operator(database, user or IMPORT_USER)


def _supervised(
    what: str, number: str, reason: str, supervisor: str, pin_stdin: bool, user: str | None,
    db: str | None,
) -> tuple[LifecycleResult, UserInfo]:  # fmt: skip
    """A void or a reversal: the supervisor's PIN first, then the change, all or nothing."""
    from kaidan_tui.services import lifecycle

    database = open_db(db)
    boss = _approver(database, supervisor, pin_stdin)
    action = lifecycle.void if what == "void" else lifecycle.reverse
    who = _operator(database, user)
    return action(database, number, reason=reason, user=who, approver=boss), boss


def _day(text: str | None) -> date:
    from datetime import date as date_type

    if not text:
        from kaidan_tui.domain import clock

        return clock.today()
    try:
        return date_type.fromisoformat(text)
    except ValueError:
        fail(f"日期「{text}」格式应为 2026-11-23。")


DateOpt = Annotated[str | None, typer.Option("--date", help="营业日，默认今天")]


LedgerOpt = Annotated[str | None, typer.Option("--ledger", help="账套编码，默认主账套")]


def _print_report(database: Database, printers: str | None, text_lines: list[str]) -> None:
    """A report to the printer routed as ``report`` in printers.toml (sent directly)."""
    from kaidan_tui.printing.layout import Row
    from kaidan_tui.printing.render import render_report
    from kaidan_tui.printing.text import wrap
    from kaidan_tui.printing.transports import PrinterProblem, send

    target = _printers(database, printers).target("report")
    rows = [Row(part) for line in text_lines for part in wrap(line, target.columns)]
    try:
        send(target, render_report(rows, target))
    except PrinterProblem as exc:
        fail(str(exc), 3)
    _err(f"已送到 {target.name}")
