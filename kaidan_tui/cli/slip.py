"""``kaidan slip``: find, show, void, 红冲 and 改单."""

from __future__ import annotations

from typing import Annotated

import typer

from kaidan_tui.cli.common import (
    DbOpt,
    PinStdinOpt,
    PrintersOpt,
    SupervisorOpt,
    UserOpt,
    _err,
    _operator,
    _printers,
    _supervised,
    open_db,
)

slip_app = typer.Typer(help="单据：查询、查看、作废、红冲 (slips).", no_args_is_help=True)


@slip_app.command("find")
def slip_find(
    query: Annotated[
        str, typer.Argument(help="单号/尾号、客户、商品、电话、日期、类型、状态")
    ] = "",
    page: Annotated[int, typer.Option("--page", help="第几页（从 1 开始）")] = 1,
    db: DbOpt = None,
) -> None:
    """查询单据，新单在前，每页 50 张。"""
    from kaidan_tui.domain.money import format_money
    from kaidan_tui.services import lookup

    rows, more = lookup.find(open_db(db), query, page=max(page, 1) - 1)
    for r in rows:
        typer.echo(
            f"{r.label}\t{r.business_date}\t{r.type.label}\t{r.customer}\t{r.settlement}"
            f"\t{r.lines} 行\t{format_money(r.shown_total)}"
        )
    if more:
        _err(f"还有更多，用 --page {page + 1} 看下一页")


@slip_app.command("show")
def slip_show(
    number: Annotated[str, typer.Argument(help="单号")],
    printer: Annotated[str | None, typer.Option("--printer", help="按哪台打印机排版")] = None,
    printers: PrintersOpt = None,
    db: DbOpt = None,
) -> None:
    """显示单据（与打印版面相同），以及打印记录。"""
    from kaidan_tui.domain.enums import JobStatus
    from kaidan_tui.services import printouts, spool

    database = open_db(db)
    config = _printers(database, printers)
    text, _ = printouts.slip_preview(database, number, config, printer=printer, any_printer=True)
    typer.echo(text)
    for job in spool.history(database, number):
        mark = f" 补打 {job.reprint_no}" if job.reprint_no else ""
        state = job.status.label if job.status is not JobStatus.SENT else "已打印"
        where = config.label(job.printer)
        typer.echo(f"打印记录：{job.created_at:%Y-%m-%d %H:%M} {where}{mark} {state}")


@slip_app.command("void")
def slip_void(
    number: Annotated[str, typer.Argument(help="单号")],
    reason: Annotated[str, typer.Option("--reason", help="作废原因（必填）")],
    supervisor: SupervisorOpt,
    pin_stdin: PinStdinOpt = False,
    user: UserOpt = None,
    db: DbOpt = None,
) -> None:
    """作废单据：写明原因，主管输入 PIN；单号保留，库存退回。"""
    done, boss = _supervised("void", number, reason, supervisor, pin_stdin, user, db)
    typer.echo(f"已作废 {done.number}（{reason}，主管 {boss.code}）")


@slip_app.command("reverse")
def slip_reverse(
    number: Annotated[str, typer.Argument(help="单号")],
    reason: Annotated[str, typer.Option("--reason", help="红冲原因（必填）")],
    supervisor: SupervisorOpt,
    pin_stdin: PinStdinOpt = False,
    user: UserOpt = None,
    db: DbOpt = None,
) -> None:
    """红冲：生成一张负数的冲红单（HC…）抵消原单，原单标为已红冲。"""
    done, _boss = _supervised("reverse", number, reason, supervisor, pin_stdin, user, db)
    typer.echo(done.reversal_number)
    _err(f"冲红单要交给客户：kaidan print {done.reversal_number}")


@slip_app.command("correct")
def slip_correct(
    number: Annotated[str, typer.Argument(help="单号")],
    field: Annotated[str, typer.Option("--field", help="address/phone/contact/remarks/…")],
    value: Annotated[str, typer.Option("--value", help="新的内容")],
    user: UserOpt = None,
    db: DbOpt = None,
) -> None:
    """改资料（D17）：日结前可改送货地址、电话、备注等；金额和商品行不能改。"""
    from kaidan_tui.services import lifecycle

    database = open_db(db)
    new = lifecycle.correct(database, number, field, value, user=_operator(database, user))
    typer.echo(f"{number} 的 {field} 已改为：{new}")
