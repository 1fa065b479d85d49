"""``kaidan printers`` and ``kaidan print``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

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
    from kaidan_tui.db.engine import Database
    from kaidan_tui.printing.config import PrintersConfig

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


class _PrintGroup(TyperGroup):
    """``kaidan print NUMBER`` prints a slip; ``print pending`` and ``print job …`` are
    commands of their own. The old one-command spellings (``--pending``, ``--printed N``,
    ``--not-printed N``, ``--cancel N``, ``--reroute N``) still work, unlisted."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer vendors click
        return super().parse_args(ctx, _modern(list(args), set(self.commands)))


_OLD_JOB_FLAGS = {
    "--printed": "printed",
    "--not-printed": "not-printed",
    "--cancel": "cancel",
    "--reroute": "reroute",
}


def _modern(args: list[str], commands: set[str]) -> list[str]:
    """The old spellings rewritten to the commands (``print --pending`` → ``print pending``)."""
    if not args or args[0] in commands or args[0] in ("--help", "-h"):
        return args
    if "--pending" in args:
        return ["pending", *(a for a in args if a != "--pending")]
    for i, arg in enumerate(args):
        flag, eq, value = arg.partition("=")
        if flag in _OLD_JOB_FLAGS:
            job = value if eq else (args[i + 1] if i + 1 < len(args) else "")
            rest = args[:i] + args[i + (1 if eq else 2) :]
            return ["job", _OLD_JOB_FLAGS[flag], job, *rest]
    return ["slip", *args]


print_app = typer.Typer(
    cls=_PrintGroup,
    no_args_is_help=True,
    help="""打印：单据、待打印任务、卡住的任务。

    \b
    kaidan print XS20260001 [--printer 名称] [--preview [--all-parts]]
    kaidan print pending
    kaidan print job printed|not-printed|cancel|reroute 任务号

    退出码：0 已打印（或已预览、已处理），3 这次要打的单没能打出（仍在队列里，见提示）。
    """,
)
job_app = typer.Typer(
    help="卡住的打印任务：确认已打出、补打、撤销、改送 (print jobs).", no_args_is_help=True
)
print_app.add_typer(job_app, name="job")
JobArg = Annotated[int, typer.Argument(help="任务号（kaidan print pending 或开单界面里显示）")]


@print_app.command("slip", hidden=True)  # `kaidan print NUMBER`
def print_slip(
    number: Annotated[str, typer.Argument(help="单号，如 XS20260001")],
    printer: Annotated[
        str | None, typer.Option("--printer", help="打印机名称（默认按单据类型分派）")
    ] = None,
    preview: Annotated[bool, typer.Option("--preview", help="只在终端显示版面，不打印。")] = False,
    all_parts: Annotated[bool, typer.Option("--all-parts", help="预览时显示每一联。")] = False,
    user: UserOpt = None,
    printers: PrintersOpt = None,
    db: DbOpt = None,
) -> None:
    """打印或补打一张单据（第二次起标“补打 n”），或只预览版面。"""
    from kaidan_tui.services import printouts, spool

    database = open_db(db)
    config = _printers(database, printers)
    text, target = printouts.slip_preview(
        database, number, config, printer=printer, all_parts=all_parts
    )
    if preview:
        typer.echo(text)
        return
    job_view = spool.reprint(database, number, user=_operator(database, user), printer=target.name)
    _err(f"已加入打印队列：{job_view.describe(config.label)}")
    _run_queue(database, config, mine={job_view.id})


@print_app.command("pending")
def print_pending(user: UserOpt = None, printers: PrintersOpt = None, db: DbOpt = None) -> None:
    """发送所有待打印的任务；还有没打出的，退出码 3。"""
    database = open_db(db)
    config = _printers(database, printers)
    _operator(database, user)
    _run_queue(database, config)


@job_app.command("printed")
def job_printed(
    job: JobArg, user: UserOpt = None, printers: PrintersOpt = None, db: DbOpt = None
) -> None:
    """确认“不确定”的任务已经打出。"""
    from kaidan_tui.services import spool

    database = open_db(db)
    _printers(database, printers)
    spool.resolve(database, job, printed=True, user=_operator(database, user))
    typer.echo(f"任务 {job} 已确认打出。")


@job_app.command("not-printed")
def job_not_printed(
    job: JobArg, user: UserOpt = None, printers: PrintersOpt = None, db: DbOpt = None
) -> None:
    """确认“不确定”的任务没有打出：补打一份，并发送。"""
    from kaidan_tui.services import spool

    database = open_db(db)
    config = _printers(database, printers)
    again = spool.resolve(database, job, printed=False, user=_operator(database, user))
    if again is None:
        typer.echo(f"任务 {job} 已确认打出。")
        return
    typer.echo(f"已补打：{again.describe(config.label)}")
    _run_queue(database, config)


@job_app.command("cancel")
def job_cancel(
    job: JobArg,
    reason: Annotated[str, typer.Option("--reason", help="撤销原因。")] = "",
    user: UserOpt = None,
    printers: PrintersOpt = None,
    db: DbOpt = None,
) -> None:
    """撤销一个未打出的任务（要写 --reason）。"""
    from kaidan_tui.services import spool

    database = open_db(db)
    config = _printers(database, printers)
    view = spool.cancel(database, job, user=_operator(database, user), reason=reason)
    typer.echo(f"已撤销任务 {job}：{view.describe(config.label)}")


@job_app.command("reroute")
def job_reroute(
    job: JobArg,
    printer: Annotated[
        str | None, typer.Option("--printer", help="改送到这台打印机（printers.toml 里的）")
    ] = None,
    user: UserOpt = None,
    printers: PrintersOpt = None,
    db: DbOpt = None,
) -> None:
    """把待打印或无法打印的任务改送另一台打印机，并发送。"""
    from kaidan_tui.services import spool

    database = open_db(db)
    config = _printers(database, printers)
    who = _operator(database, user)
    if not printer:
        fail("改送要用 --printer 指定打印机。运行 kaidan printers list 查看。")
    view = spool.reroute(database, job, config.get(printer).name, user=who)
    _err(f"已改送：{view.describe(config.label)}")
    _run_queue(database, config)


def _run_queue(database: Database, config: PrintersConfig, mine: set[int] | None = None) -> None:
    """Send what is waiting and say what did not print. ``mine``: the jobs this run made,
    which alone decide the exit code (else anything still open does): 3 = not printed."""
    from kaidan_tui.domain.enums import JobStatus
    from kaidan_tui.services import spool

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
                f"kaidan print job printed {view.id} 或 kaidan print job not-printed {view.id}"
            )
        elif view.status is JobStatus.FAILED:
            _err(
                f"任务 {view.id}（{view.number}）无法打印：{view.last_error}。可改送："
                f"kaidan print job reroute {view.id} --printer NAME，"
                f"或撤销：kaidan print job cancel {view.id} --reason 原因"
            )
    stuck = [v for v in left if v.id in mine] if mine is not None else left
    if stuck:
        raise typer.Exit(3)
