"""``kaidan report daily``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kaidan_tui.cli.common import (
    DateOpt,
    DbOpt,
    LedgerOpt,
    PrintersOpt,
    _day,
    _err,
    _print_report,
    fail,
    open_db,
)

report_app = typer.Typer(help="报表：日报 (reports).", no_args_is_help=True)


@report_app.command("daily")
def report_daily(
    day: DateOpt = None,
    ledger: LedgerOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="table / json / csv / xlsx")] = "table",
    out: Annotated[Path | None, typer.Option("--out", help="输出文件（xlsx 必填）")] = None,
    send: Annotated[bool, typer.Option("--print", help="打印到报表打印机")] = False,
    printers: PrintersOpt = None,
    db: DbOpt = None,
) -> None:
    """日报：按类型/结算/渠道汇总、连号检查、作废、司机现金、回单、收款、商品。"""
    import json

    from kaidan_tui.services import daily, daily_export

    database = open_db(db)
    rep = daily.report(database, _day(day), ledger=ledger)
    if send:
        from kaidan_tui.services.recheck import z_block

        # A closed day reprints as its Z report: the close, each correction, the figures.
        head = z_block(database, rep.day, ledger=ledger) if rep.closed else []
        _print_report(database, printers, head + daily_export.lines(rep))
        return
    if fmt == "json":
        text_out = json.dumps(
            daily_export.to_json(rep), ensure_ascii=False, indent=2, sort_keys=True
        )
    elif fmt == "csv":
        text_out = daily_export.to_csv(rep)
    elif fmt == "xlsx":
        if out is None:
            fail("xlsx 要用 --out 指定文件。")
        daily_export.to_xlsx(rep, out)
        _err(f"已写入 {out}")
        return
    elif fmt == "table":
        text_out = "\n".join(daily_export.lines(rep)) + "\n"
    else:
        fail(f"--format 只能是 table、json、csv 或 xlsx，不能是「{fmt}」。")
    if out is None:
        typer.echo(text_out, nl=False)
    else:
        out.write_text(text_out, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        _err(f"已写入 {out}")
