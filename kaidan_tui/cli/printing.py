"""``kaidan printers`` and ``kaidan print``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from kaidan_tui.cli.app import app
from kaidan_tui.cli.common import (
    DbOpt,
    PrintersOpt,
    UserOpt,
    _err,
    _operator,
    _printers,
    fail,
    open_db,
)

if TYPE_CHECKING:
    pass

printers_app = typer.Typer(help="打印机：列表、测试页 (printers).", no_args_is_help=True)


@printers_app.command("list")
def printers_list(
    printers: PrintersOpt = None,
    db: DbOpt = None,
    status: Annotated[bool, typer.Option("--status", help="逐台查询打印机状态。")] = False,
) -> None:
    """列出配置的打印机和分派（哪种单据打到哪台）。"""
    from kaidan_tui.printing.transports import status as printer_status

    config = _printers(open_db(db, check=False) if db else None, printers)
    typer.echo(f"配置文件：{config.source}")
    for name, p in config.printers.items():
        routes = [k for k, v in config.routing.items() if v == name]
        line = f"{name}\t{p.kind}\t{p.protocol}\t{p.columns} 列\t{p.where}"
        if routes:
            line += "\t← " + ", ".join(routes)
        if status:
            st = printer_status(p)
            line += f"\t[{st.describe() if st else '状态未知'}]"
        typer.echo(line + (f"\t{p.description}" if p.description else ""))


@printers_app.command("test")
def printers_test(
    name: Annotated[str, typer.Argument(help="打印机名称（printers.toml 里的）")],
    printers: PrintersOpt = None,
    db: DbOpt = None,
) -> None:
    """打印测试页：列宽标尺、汉字对齐、每行编号（核对纸长），用来对准预印单据。"""
    from kaidan_tui.printing.render import render_test_page
    from kaidan_tui.printing.transports import PrinterProblem, send

    config = _printers(open_db(db, check=False) if db else None, printers)
    printer = config.get(name)
    try:
        send(printer, render_test_page(printer))
    except PrinterProblem as exc:
        fail(str(exc), 3)
    typer.echo(f"测试页已发送到 {name}（{printer.where}）")


@app.command("print")
def print_slip(
    number: Annotated[str | None, typer.Argument(help="单号，如 XS20260001")] = None,
    printer: Annotated[
        str | None, typer.Option("--printer", help="打印机名称（默认按单据类型分派）")
    ] = None,
    preview: Annotated[bool, typer.Option("--preview", help="只在终端显示版面，不打印。")] = False,
    all_parts: Annotated[bool, typer.Option("--all-parts", help="预览时显示每一联。")] = False,
    pending: Annotated[bool, typer.Option("--pending", help="发送所有待打印的任务。")] = False,
    printed: Annotated[
        int | None, typer.Option("--printed", help="确认“不确定”的任务已经打出（任务号）。")
    ] = None,
    not_printed: Annotated[
        int | None,
        typer.Option("--not-printed", help="确认“不确定”的任务没有打出：补打一份（任务号）。"),
    ] = None,
    cancel: Annotated[
        int | None, typer.Option("--cancel", help="撤销一个未打出的任务（任务号，需 --reason）。")
    ] = None,
    reason: Annotated[str, typer.Option("--reason", help="撤销原因。")] = "",
    reroute: Annotated[
        int | None,
        typer.Option("--reroute", help="把待打印或无法打印的任务改送 --printer 指定的打印机。"),
    ] = None,
    user: UserOpt = None,
    printers: PrintersOpt = None,
    db: DbOpt = None,
) -> None:
    """打印或补打单据，预览版面，发送待打印任务，处理卡住的任务。

    退出码：0 已打印（或已预览、已处理），3 这次要打的单没能打出（仍在队列里，见提示）。
    """
    from kaidan_tui.domain.enums import JobStatus
    from kaidan_tui.services import printouts, spool

    if not (number or pending or printed or not_printed or cancel or reroute):
        fail("请给出单号，或用 --pending 发送待打印任务。运行 kaidan print --help 查看用法。")
    database = open_db(db)
    config = _printers(database, printers)
    who = _operator(database, user)
    if cancel:
        view = spool.cancel(database, cancel, user=who, reason=reason)
        typer.echo(f"已撤销任务 {cancel}：{view.describe}")
        return
    if reroute:
        if not printer:
            fail("改送要用 --printer 指定打印机。运行 kaidan printers list 查看。")
        view = spool.reroute(database, reroute, config.get(printer).name, user=who)
        _err(f"已改送：{view.describe}")
    if printed or not_printed:
        job = printed or not_printed
        assert job is not None
        again = spool.resolve(database, job, printed=bool(printed), user=who)
        typer.echo(f"任务 {job} 已确认打出。" if again is None else f"已补打：{again.describe}")
        if again is None:
            return
    mine: set[int] = set()
    if number:
        text, target = printouts.slip_preview(
            database, number, config, printer=printer, all_parts=all_parts
        )
        if preview:
            typer.echo(text)
            return
        job_view = spool.reprint(database, number, user=who, printer=target.name)
        mine.add(job_view.id)
        _err(f"已加入打印队列：{job_view.describe}")
    report = spool.run_once(database, config)
    for sent in report.sent:
        typer.echo(
            f"已打印 {sent.number}" + (f"（补打 {sent.reprint_no}）" if sent.reprint_no else "")
        )
    for view, message in report.waiting + report.uncertain + report.failed:
        _err(f"未打出 {view.number}（任务 {view.id}）：{message}")
    left = spool.outstanding(database)
    for view in left:
        if view.status is JobStatus.UNCERTAIN:
            _err(
                f"任务 {view.id}（{view.number}）不确定是否打出：看过打印机后运行 "
                f"kaidan print --printed {view.id} 或 --not-printed {view.id}"
            )
        elif view.status is JobStatus.FAILED:
            _err(
                f"任务 {view.id}（{view.number}）无法打印：{view.last_error}。可改送："
                f"kaidan print --reroute {view.id} --printer NAME，或撤销：--cancel {view.id}"
            )
    # This run's own job decides the exit code; with --pending, anything still open does.
    stuck = [v for v in left if v.id in mine] if number else left
    if stuck:
        raise typer.Exit(3)
