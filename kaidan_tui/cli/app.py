"""The root ``kaidan`` command: without a subcommand it opens the counter screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import typer

from kaidan_tui.cli.common import (
    DbOpt,
    store_opener,
)

if TYPE_CHECKING:
    from kaidan_tui.db.engine import Database

app = typer.Typer(
    name="kaidan",
    help="开单 — 仓库柜台开单系统 (counter order entry).",
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


@app.callback(invoke_without_command=True)
def root(ctx: typer.Context, db: DbOpt = None) -> None:
    """不带子命令时打开开单界面。"""
    if ctx.invoked_subcommand is None:
        _run_tui(store_opener(db))
    elif db:
        # `kaidan --db X slip find` (the form --help shows): X is the store for the
        # subcommand too. Its own --db reads KAIDAN_DB, so X goes there; a --db after
        # the subcommand still wins.
        import os

        os.environ["KAIDAN_DB"] = db


def _run_tui(store: Callable[[], Database]) -> None:
    from kaidan_tui.tui.app import KaidanApp

    _size_from_terminal()
    tui = KaidanApp(store)
    tui.run()
    if tui.return_code:  # the app ended on an error: it has said so in Chinese
        raise typer.Exit(tui.return_code)


def _size_from_terminal() -> None:
    """Let the terminal say how big it is. Textual asks ``shutil.get_terminal_size``, which
    believes COLUMNS/LINES first: an exported ``COLUMNS=80`` (a shell profile, a script, a
    tmux started from one) would pin the screen at 80×24 in a wide window and ignore every
    resize."""
    import os
    import sys

    out = sys.__stdout__
    if out is not None and out.isatty():
        os.environ.pop("COLUMNS", None)
        os.environ.pop("LINES", None)
