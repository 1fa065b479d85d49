"""``kaidan statement``: a customer's statement."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kaidan_tui.cli.app import app
from kaidan_tui.cli.common import (
    DbOpt,
    PrintersOpt,
    _err,
    _printers,
    fail,
    open_db,
)


@app.command("statement")
def statement_cmd(
    customer: Annotated[str, typer.Argument(help="客户编码")],
    date_from: Annotated[str, typer.Option("--from", help="开始日期 2026-11-01")],
    date_to: Annotated[str, typer.Option("--to", help="结束日期 2026-11-30")],
    fmt: Annotated[str, typer.Option("--format", help="table / csv / xlsx")] = "table",
    out: Annotated[Path | None, typer.Option("--out", help="输出文件（xlsx 必填）")] = None,
    send: Annotated[bool, typer.Option("--print", help="打印到报表打印机")] = False,
    printer: Annotated[str | None, typer.Option("--printer", help="打印机名称")] = None,
    printers: PrintersOpt = None,
    db: DbOpt = None,
) -> None:
    """客户对账单：期初、每张单和收款、滚动余额、期末；可导出或打印。"""
    from datetime import date as date_type

    from kaidan_tui.domain.money import format_money
    from kaidan_tui.services import statement as st_service

    try:
        start, end = date_type.fromisoformat(date_from), date_type.fromisoformat(date_to)
    except ValueError:
        fail("日期格式应为 2026-11-01。")
    database = open_db(db)
    st = st_service.statement(database, customer, start, end)
    if send:
        from kaidan_tui.printing.render import render_report
        from kaidan_tui.printing.transports import PrinterProblem
        from kaidan_tui.printing.transports import send as send_bytes

        target = _printers(database, printers).target("report", printer)
        try:
            send_bytes(target, render_report(st_service.print_rows(st, target.columns), target))
        except PrinterProblem as exc:
            fail(str(exc), 3)
        _err(f"对账单已送到 {target.name}")
        return
    if fmt == "xlsx":
        if out is None:
            fail("xlsx 要用 --out 指定文件。")
        st_service.to_xlsx(st, out)
        _err(f"已写入 {out}")
    elif fmt == "csv":
        text_out = st_service.to_csv(st)
        if out is None:
            typer.echo(text_out, nl=False)
        else:
            out.write_text(text_out, encoding="utf-8-sig")
            _err(f"已写入 {out}")
    elif fmt == "table":
        typer.echo(f"对账单 {st.customer}  {st.date_from} 至 {st.date_to}")
        typer.echo(f"期初余额 {format_money(st.opening)}")
        for e in st.entries:
            typer.echo(
                f"{e.when}  {e.document:<14} {e.kind:<16} 应收 {format_money(e.charge):>12}"
                f"  收款 {format_money(e.paid):>12}  余额 {format_money(e.balance):>12}"
            )
        typer.echo(
            f"合计应收 {format_money(st.charged)}  收款 {format_money(st.received)}"
            f"  期末余额 {format_money(st.closing)}"
        )
    else:
        fail(f"--format 只能是 table、csv 或 xlsx，不能是「{fmt}」。")
