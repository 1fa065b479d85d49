"""Every failure in Chinese, never a traceback: usage, database and internal errors."""

from __future__ import annotations

import sys
from pathlib import Path

from kaidan_tui.cli import common
from kaidan_tui.cli.common import (
    _err,
)


def _write_error_log() -> Path:
    """Append the current traceback to kaidan-error.log (services/error_log)."""
    from kaidan_tui.services import error_log

    return error_log.write()


def _is(exc: BaseException, name: str) -> bool:
    """``exc`` is a click exception of this name (typer vendors click; names are stable)."""
    return any(c.__name__ == name for c in type(exc).__mro__)


def _command_path(exc: Exception) -> str:
    ctx = getattr(exc, "ctx", None)
    names: list[str] = []
    while ctx is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(["kaidan", *reversed(names[:-1])]) if names else "kaidan"


def _hint(exc: Exception) -> str:
    """The option or argument a usage error is about, e.g. ``--name`` or ``FILE``."""
    hint = getattr(exc, "param_hint", None)
    param = getattr(exc, "param", None)
    if hint is None and param is not None:
        opts = getattr(param, "opts", None)
        if getattr(param, "param_type_name", "") == "option" and opts:
            hint = list(opts)
        else:
            hint = str(getattr(param, "name", "") or "").upper()
    if isinstance(hint, (list, tuple)):
        hint = " / ".join(str(h) for h in hint)
    return str(hint or "").replace("'", "").replace('"', "")


def usage_message(exc: Exception) -> str:
    """A click usage error, in Chinese where we know the kind."""
    import re

    text = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    raw = str(getattr(exc, "message", text))
    if _is(exc, "NoSuchOption"):
        name = getattr(exc, "option_name", "")
        maybe = sorted(getattr(exc, "possibilities", None) or [])
        detail = f"没有选项 {name}" + (f"（是不是 {'、'.join(maybe)}？）" if maybe else "")
    elif _is(exc, "MissingParameter"):
        param = getattr(exc, "param", None)
        kind = getattr(exc, "param_type", None) or getattr(param, "param_type_name", "")
        detail = f"缺少{'选项' if kind == 'option' else '参数'} {_hint(exc)}".rstrip()
    elif _is(exc, "BadParameter"):
        why = "应为整数" if "valid integer" in raw else raw
        detail = f"{_hint(exc) or '参数'} 的值不对：{why}"
    elif m := re.match(r"No such command '(.+)'", raw):
        detail = f"没有命令 {m.group(1)}"
    elif m := re.match(r"Got unexpected extra argument(?:s|\(s\))? \((.+)\)", raw):
        detail = f"多余的参数：{m.group(1)}"
    elif m := re.match(r"Option '(.+)' requires an argument", raw):
        detail = f"选项 {m.group(1)} 后面要跟一个值"
    else:
        detail = text
    return f"命令用法错误：{detail}。运行 {_command_path(exc)} --help 查看用法"


_DB_ERRORS = (
    (
        "unable to open database file",
        "无法打开数据库文件 {db}：路径不存在、是目录或没有权限。请检查 --db 路径和文件权限。",
    ),
    (
        "file is not a database",
        "{db} 不是 SQLite 数据库文件。请检查 --db 是否指向 kaidan 的数据库。",
    ),
    (
        "disk image is malformed",
        "数据库文件 {db} 已损坏。请停止使用这个文件，从备份恢复，并联系管理员。",
    ),
    (
        "database is locked",
        "数据库 {db} 正被其他程序占用，等待超时。请稍后重试，或检查是否有卡住的 kaidan。",
    ),
    ("readonly database", "数据库 {db} 是只读的，不能写入。请检查文件及所在目录的写权限。"),
    ("database or disk is full", "磁盘已满，无法写入数据库 {db}。请清理磁盘空间后重试。"),
    ("disk i/o error", "读写数据库 {db} 时磁盘出错。请检查磁盘后重试。"),
    # PostgreSQL
    (
        "lock timeout",
        "数据库 {db} 正被其他柜台写入，等待超时。请稍后重试，或检查是否有卡住的 kaidan。",
    ),
    (
        "connection to server",
        "连不上数据库服务器 {db}：请检查服务器是否开着、网络是否通、--db 地址和密码（~/.pgpass）。",
    ),
)


def database_message(exc: Exception) -> str | None:
    """A database that cannot be used (not a bug in kaidan), in Chinese; else None."""
    if "sqlalchemy" not in sys.modules:
        return None
    from sqlalchemy.exc import DatabaseError, OperationalError

    if not (type(exc) is DatabaseError or isinstance(exc, OperationalError)):
        return None  # integrity and programming errors are bugs: internal error + log
    where = common._opened or "（--db 指定的数据库）"
    detail = str(getattr(exc, "orig", None) or exc).lower()
    for needle, message in _DB_ERRORS:
        if needle in detail:
            return message.format(db=where)
    return (
        f"数据库 {where} 无法使用（{detail}）。请检查 --db 路径和磁盘；若反复出现，请联系管理员。"
    )


def _report(exc: Exception) -> int:
    """Tell the user what went wrong, in Chinese; return the exit code."""
    if _is(exc, "NoArgsIsHelpError"):  # `kaidan db` alone: its help, as before
        _err(getattr(exc, "format_message")())  # noqa: B009
        return 2
    if _is(exc, "UsageError"):
        _err(usage_message(exc))
        return 2
    if _is(exc, "Abort"):  # Ctrl-C or end of input at a prompt
        _err("已取消。")
        return 1
    if _is(exc, "ClickException"):
        _err(f"错误：{getattr(exc, 'format_message')()}")  # noqa: B009
        return int(getattr(exc, "exit_code", 1))
    db_message = database_message(exc)
    if db_message is not None:
        _err(db_message)
        return 2
    log = _write_error_log()
    _err(f"内部错误：{type(exc).__name__}: {exc}\n详细信息已记录到 {log}，请联系管理员。")
    return 1
