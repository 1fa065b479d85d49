"""``kaidan order import``: orders from JSON/CSV, posted or held."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from kaidan_tui.cli.common import (
    DbOpt,
    _err,
    _operator,
    open_db,
)

order_app = typer.Typer(help="订单导入 (orders from JSON/CSV).", no_args_is_help=True)


@order_app.command("import")
def order_import(
    file: Annotated[Path, typer.Argument(help="JSON 订单列表或 CSV")],
    db: DbOpt = None,
    user: Annotated[
        str | None, typer.Option("--user", envvar="KAIDAN_USER", help="制单人编码")
    ] = None,
) -> None:
    """导入订单：合规的过账并逐行打印单号；违反政策的挂单并在 stderr 列出原因。

    某一单出错时在 stderr 说明是第几单、哪个客户，其余订单继续处理。
    退出码：0 全部过账，3 有挂单或出错的订单（其余已过账），2 文件有误（什么都没导入）。
    """
    from kaidan_tui.services.orders import OrderOutcome, import_orders, read_orders

    database = open_db(db)
    orders = read_orders(file)
    maker = _operator(database, user)

    def report(outcome: OrderOutcome) -> None:
        who = f"（客户 {outcome.customer}）" if outcome.customer else ""
        if outcome.posted is not None:
            typer.echo(outcome.posted.number)
            sys.stdout.flush()
            for w in outcome.posted.warnings:
                _err(f"第 {outcome.index} 个订单{who} {outcome.posted.number} 提醒：{w}")
        elif outcome.held is not None:
            reasons = "；".join(outcome.held.reasons)
            _err(f"第 {outcome.index} 个订单{who}已挂单（#{outcome.held.slip_id}）：{reasons}")
        else:
            why = (outcome.error or "").rstrip("。")
            _err(
                f"第 {outcome.index} 个订单{who}未能过账，也未挂单：{why}"
                "。其余订单照常处理；请改正后只重新导入这一单"
                "（整份文件重导会重复开单，除非订单带 key）。"
            )
        sys.stderr.flush()

    outcomes = import_orders(database, orders, user=maker, on_done=report)
    if any(o.posted is None for o in outcomes):
        raise typer.Exit(3)
