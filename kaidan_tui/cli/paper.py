"""``kaidan paper``: the serials of pre-printed forms."""

from __future__ import annotations

from typing import Annotated

import typer

from kaidan_tui.cli.common import (
    DbOpt,
    UserOpt,
    _operator,
    open_db,
)

paper_app = typer.Typer(
    help="联单：登记编号、废联、核对 (pre-printed forms).", no_args_is_help=True
)


@paper_app.command("use")
def paper_use(
    number: Annotated[str, typer.Argument(help="单号")],
    serial: Annotated[str, typer.Argument(help="联单上印的编号")],
    user: UserOpt = None,
    db: DbOpt = None,
) -> None:
    """登记：这张单打在哪一份预印联单上。"""
    from kaidan_tui.services import paper

    database = open_db(db)
    key = paper.use(database, number, serial, user=_operator(database, user))
    typer.echo(f"{number} ← 联单 {key}")


@paper_app.command("spoil")
def paper_spoil(
    serial: Annotated[str, typer.Argument(help="联单编号")],
    reason: Annotated[str, typer.Option("--reason", help="卡纸、打歪、撕坏……")],
    user: UserOpt = None,
    db: DbOpt = None,
) -> None:
    """登记废联（不撕不扔，联单号留档）。"""
    from kaidan_tui.services import paper

    database = open_db(db)
    key = paper.spoil(database, serial, reason=reason, user=_operator(database, user))
    typer.echo(f"废联 {key}：{reason}")


@paper_app.command("check")
def paper_check(
    first: Annotated[str, typer.Argument(help="起始编号")],
    last: Annotated[str, typer.Argument(help="结束编号")],
    db: DbOpt = None,
) -> None:
    """核对一段联单编号：每一份都对应一张单或一条废联记录。退出码 3 = 有缺号。"""
    from kaidan_tui.services import paper

    result = paper.check(open_db(db), first, last)
    typer.echo(f"已用 {result.used} 份，废联 {result.spoiled} 份，缺号 {len(result.missing)} 份")
    for serial in result.missing[:200]:
        typer.echo(f"缺号 {serial}")
    if not result.clean:
        raise typer.Exit(3)
