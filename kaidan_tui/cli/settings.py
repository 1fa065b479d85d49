"""``kaidan settings``: price order, stock policy, scanning, credit term."""

from __future__ import annotations

from typing import Annotated

import typer

from kaidan_tui.cli.common import (
    DbOpt,
    PinStdinOpt,
    SupervisorOpt,
    _approver,
    open_db,
)

settings_app = typer.Typer(
    help="设置：取价顺序、库存策略、扫码、账期 (settings).", no_args_is_help=True
)


@settings_app.command("list")
def settings_list(db: DbOpt = None) -> None:
    """列出所有设置项、当前值和说明。"""
    from kaidan_tui.services import settings

    for key, value, meaning in settings.current(open_db(db)):
        typer.echo(f"{key}\t{value}\t{meaning}")


@settings_app.command("set")
def settings_set(
    key: Annotated[str, typer.Argument(help="设置项，见 kaidan settings list")],
    value: Annotated[str, typer.Argument(help="新的值")],
    supervisor: SupervisorOpt,
    pin_stdin: PinStdinOpt = False,
    db: DbOpt = None,
) -> None:
    """修改一个设置项（主管审批；先检查再保存）。"""
    from kaidan_tui.services import settings

    database = open_db(db)
    boss = _approver(database, supervisor, pin_stdin)
    stored = settings.set_value(database, key, value, approver=boss)
    typer.echo(f"{key} = {stored}")
