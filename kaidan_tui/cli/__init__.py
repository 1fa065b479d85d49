"""The ``kaidan`` command line (typer): one module per command group. Heavy imports
live inside the commands.

Every command takes ``--db`` (or ``KAIDAN_DB``): a SQLAlchemy URL, or a plain path for
SQLite. Errors are printed in Chinese on stderr, never as a traceback.

Exit codes: 0 ok · 1 internal error (traceback in the error log) · 2 bad input, bad
file, wrong usage or an unusable database (the failed step wrote nothing) ·
3 ``order import``: some orders were held or failed (the others were posted) ·
4 ``audit verify``: the chain is broken · 5 ``day close``: closed, but its backup failed.
"""

from __future__ import annotations

import sys

import typer

from kaidan_tui.cli import (
    day,
    imports,
    order,
    paper,
    printing,
    report,
    search,
    settings,
    slip,
    statement,  # noqa: F401 (its command registers on the root app)
    store,
    users,
)
from kaidan_tui.cli.app import app as app
from kaidan_tui.cli.common import _err
from kaidan_tui.cli.common import fail as fail
from kaidan_tui.cli.common import open_db as open_db
from kaidan_tui.cli.common import store_opener as store_opener
from kaidan_tui.cli.errors import _report, _write_error_log
from kaidan_tui.cli.errors import database_message as database_message
from kaidan_tui.cli.errors import usage_message as usage_message

# The top-level commands in the order a newcomer meets them (modules load alphabetically).
_FIRST = ("demo", "init", "keys", "backup", "statement")


def _place(command: typer.models.CommandInfo) -> int:
    name = command.name or getattr(command.callback, "__name__", "")
    return _FIRST.index(name) if name in _FIRST else len(_FIRST)


app.registered_commands.sort(key=_place)
app.add_typer(store.db_app, name="db")
app.add_typer(imports.import_app, name="import")
app.add_typer(order.order_app, name="order")
app.add_typer(users.users_app, name="users")
app.add_typer(users.users_app, name="user", hidden=True)  # `kaidan user add` works too
app.add_typer(search.search_app, name="search")
app.add_typer(slip.slip_app, name="slip")
app.add_typer(store.audit_app, name="audit")
app.add_typer(report.report_app, name="report")
app.add_typer(day.day_app, name="day")
app.add_typer(paper.paper_app, name="paper")
app.add_typer(settings.settings_app, name="settings")
app.add_typer(printing.printers_app, name="printers")
app.add_typer(printing.print_app, name="print")


def main() -> None:
    """Entry point: no traceback ever reaches a clerk; it goes to the error log."""
    from kaidan_tui.domain.errors import KaidanError

    try:
        code = app(prog_name="kaidan", standalone_mode=False)
    except KaidanError as exc:
        _err(f"错误：{exc.message}")
        sys.exit(2)
    except KeyboardInterrupt:
        _err("已取消。")
        sys.exit(130)
    except Exception as exc:  # the last line of defence
        try:
            status = _report(exc)
        except Exception:  # never let the report itself show a traceback
            log = _write_error_log()
            _err(f"内部错误：{type(exc).__name__}: {exc}\n详细信息已记录到 {log}，请联系管理员。")
            status = 1
        sys.exit(status)
    sys.exit(code if isinstance(code, int) else 0)
