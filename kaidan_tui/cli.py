"""The ``kaidan`` command line (typer). Heavy imports live inside the commands.

Every command takes ``--db`` (or ``KAIDAN_DB``): a SQLAlchemy URL, or a plain path for
SQLite. Errors are printed in Chinese on stderr, never as a traceback.

Exit codes: 0 ok · 1 internal error (traceback in the error log) · 2 bad input, bad
file, wrong usage or an unusable database (the failed step wrote nothing) ·
3 ``order import``: some orders were held or failed (the others were posted) ·
4 ``audit verify``: the chain is broken · 5 ``day close``: closed, but its backup failed.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from kaidan_tui.db.engine import Database
    from kaidan_tui.printing.config import PrintersConfig
    from kaidan_tui.services.lifecycle import LifecycleResult
    from kaidan_tui.services.setup import DemoSummary
    from kaidan_tui.services.users import UserInfo

app = typer.Typer(
    name="kaidan",
    help="开单 — 仓库柜台开单系统 (counter order entry).",
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
db_app = typer.Typer(help="数据库：升级、重建索引 (database maintenance).", no_args_is_help=True)
import_app = typer.Typer(help="导入资料：商品、客户、价格、库存 (CSV/XLSX).", no_args_is_help=True)
order_app = typer.Typer(help="订单导入 (orders from JSON/CSV).", no_args_is_help=True)
users_app = typer.Typer(help="用户：开单员、主管 (users).", no_args_is_help=True)
search_app = typer.Typer(help="查找商品、客户 (search).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(order_app, name="order")
app.add_typer(users_app, name="users")
app.add_typer(users_app, name="user", hidden=True)  # `kaidan user add` works too
app.add_typer(search_app, name="search")
slip_app = typer.Typer(help="单据：查询、查看、作废、红冲 (slips).", no_args_is_help=True)
app.add_typer(slip_app, name="slip")
audit_app = typer.Typer(help="审计日志：校验链 (audit log).", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
report_app = typer.Typer(help="报表：日报 (reports).", no_args_is_help=True)
app.add_typer(report_app, name="report")
day_app = typer.Typer(help="日结：点款、回单、关账 (end of day).", no_args_is_help=True)
app.add_typer(day_app, name="day")
paper_app = typer.Typer(
    help="联单：登记编号、废联、核对 (pre-printed forms).", no_args_is_help=True
)
app.add_typer(paper_app, name="paper")
settings_app = typer.Typer(
    help="设置：取价顺序、库存策略、扫码、账期 (settings).", no_args_is_help=True
)
app.add_typer(settings_app, name="settings")
printers_app = typer.Typer(help="打印机：列表、测试页 (printers).", no_args_is_help=True)
app.add_typer(printers_app, name="printers")

DbOpt = Annotated[
    str | None,
    typer.Option("--db", envvar="KAIDAN_DB", help="数据库：文件路径 (SQLite) 或 URL。"),
]


UserOpt = Annotated[str | None, typer.Option("--user", envvar="KAIDAN_USER", help="操作人编码")]
SupervisorOpt = Annotated[str, typer.Option("--supervisor", help="审批主管编码")]
PinStdinOpt = Annotated[bool, typer.Option("--pin-stdin", help="从标准输入读主管 PIN")]


def _err(message: str) -> None:
    typer.echo(message, err=True)


def fail(message: str, code: int = 2) -> NoReturn:
    _err(message)
    raise typer.Exit(code)


_opened: str | None = None
"""The store this run opened (shown in database error messages)."""

_SQLITE_MAGIC = b"SQLite format 3\x00"


def _check_sqlite_file(path: Path, *, must_exist: bool) -> None:
    """Refuse, in Chinese, a path that cannot be a store, before SQLite sees it."""
    if path.is_dir():
        fail(f"数据库路径是一个目录：{path}。请在 --db 给出文件路径，例如 {path / 'kaidan.db'}")
    if not path.exists():
        if must_exist:
            demo = demo_path()
            hint = f"；要用演示库请加 --db {demo}" if demo.exists() else ""
            fail(f"数据库文件不存在：{path}。新建正式库请运行 kaidan init --db {path}{hint}")
        return
    try:
        with path.open("rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        fail(f"无法读取数据库文件 {path}：{exc.strerror}。请检查文件权限。")
    if head and head != _SQLITE_MAGIC:
        fail(
            f"{path} 不是 SQLite 数据库文件（可能是别的文件）。"
            "请检查 --db 是否指向 kaidan 的数据库。"
        )


def _safe_url(url: str) -> str:
    """A database URL fit for a message: the password masked."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not even a URL: show no part of it that may be secret
        return "（--db 指定的数据库）"


def open_db(db: str | None, *, check: bool = True) -> Database:
    """The store named by ``--db``; ``check``: it must exist, be initialised and current."""
    global _opened
    from kaidan_tui.db.engine import Database, resolve_url, sqlite_path
    from kaidan_tui.db.migrate import check_schema

    url = resolve_url(db)
    path = sqlite_path(url)
    _opened = str(path) if path is not None else _safe_url(url)
    if path is not None:
        _check_sqlite_file(path, must_exist=check)
    try:
        database = Database(url)
    except OSError as exc:  # the file (or its folder) could not be created
        fail(f"无法创建数据库文件 {_opened}：{exc.strerror}。请检查路径和写权限。")
    if check:
        check_schema(database.engine)
    return database


def store_opener(db: str | None) -> Callable[[], Database]:
    """Check the path now (cheap), open the store later in the app's background worker.

    The login screen is then up in well under a second; SQLAlchemy, the models and the
    schema check load while the clerk types the code and PIN.
    """
    from kaidan_tui.db.location import resolve_url, sqlite_path

    url = resolve_url(db)
    path = sqlite_path(url)
    if path is not None:
        _check_sqlite_file(path, must_exist=True)

    def opener() -> Database:
        from kaidan_tui.db.engine import Database
        from kaidan_tui.db.migrate import check_schema

        database = Database(url)
        check_schema(database.engine)
        return database

    return opener


@app.callback(invoke_without_command=True)
def root(ctx: typer.Context, db: DbOpt = None) -> None:
    """不带子命令时打开开单界面。"""
    if ctx.invoked_subcommand is None:
        _run_tui(store_opener(db))


def _run_tui(store: Callable[[], Database]) -> None:
    from kaidan_tui.tui.app import KaidanApp

    KaidanApp(store).run()


def demo_path() -> Path:
    from kaidan_tui.db.location import default_data_dir

    return default_data_dir() / "demo" / "kaidan-demo.db"


@app.command()
def demo(
    fresh: Annotated[bool, typer.Option("--fresh", help="丢弃旧演示库，重新生成。")] = False,
    no_tui: Annotated[bool, typer.Option("--no-tui", help="只生成演示库，不打开界面。")] = False,
) -> None:
    """用内置演示数据打开开单界面（演示库在用户数据目录，不碰正式库）。"""
    from kaidan_tui.services.setup import build_demo_file

    path = demo_path()
    if fresh or not path.exists():
        # Built beside the old one and moved into place: never half a store.
        summary = build_demo_file(path)
        _err(
            f"演示库已生成：{path}（{summary.products} 个商品，{summary.customers} 个客户，"
            f"{summary.slips} 张单据）"
        )
    _err("演示用户：开单员 1001 / PIN 1234，主管 8001 / PIN 8888")
    if not no_tui:
        _run_tui(store_opener(str(path)))


@app.command()
def init(
    db: DbOpt = None,
    demo_data: Annotated[bool, typer.Option("--demo", help="装入演示数据。")] = False,
    ledger_name: Annotated[
        str, typer.Option("--ledger-name", help="账套（表头）名称。")
    ] = "本公司",
) -> None:
    """建库（或升级到最新版本）。"""
    from kaidan_tui.services.setup import init_store

    if demo_data:
        summary = _init_demo(db)
        typer.echo(
            f"演示库已生成：{summary.products} 个商品，{summary.customers} 个客户，"
            f"{summary.slips} 张单据"
        )
    else:
        from kaidan_tui.services import pepper as peppers

        init_store(open_db(db, check=False), ledger_name=ledger_name)
        typer.echo(
            "数据库已就绪。下一步：kaidan users add 编码 --name 姓名 --role clerk|supervisor"
        )
        typer.echo(
            f"密钥文件：{peppers.path()}（权限 600，不在数据库里；请备份。"
            "多台电脑共用这个数据库时，每台开单电脑都要复制一份）"
        )


def _init_demo(db: str | None) -> DemoSummary:
    """``init --demo``: only into a new store; a SQLite file is built whole, then moved in."""
    from kaidan_tui.db.engine import resolve_url, sqlite_path
    from kaidan_tui.db.migrate import current_revision
    from kaidan_tui.services.setup import build_demo_file, load_demo

    path = sqlite_path(resolve_url(db))
    if path is None or (path.exists() and path.stat().st_size > 0):
        database = open_db(db, check=False)
        if current_revision(database.engine) is not None:
            fail("该数据库已经初始化，不能再装入演示数据。请换一个新路径。")
        if path is not None:
            fail(f"{path} 已有内容，不是新的空文件，不能装入演示数据。请换一个新路径。")
        return load_demo(database)
    global _opened
    _opened = str(path)
    _check_sqlite_file(path, must_exist=False)
    return build_demo_file(path)


@db_app.command("upgrade")
def db_upgrade(db: DbOpt = None) -> None:
    """把数据库升级到程序的版本（先备份）。"""
    from kaidan_tui.db.migrate import HEAD_REVISION, upgrade
    from kaidan_tui.services.audit import enable_pepper

    database = open_db(db, check=False)
    upgrade(database.engine)
    with database.write() as session:
        keyed = enable_pepper(session)
    typer.echo(f"数据库已是最新版本 {HEAD_REVISION}")
    if keyed:
        from kaidan_tui.services import pepper as peppers

        typer.echo(
            f"已启用密钥（{peppers.path()}）：PIN 和审计日志从现在起用它签名。"
            "多台电脑共用这个数据库时，请把这个文件复制到每台开单电脑（权限 600）。"
        )


@db_app.command("reindex")
def db_reindex(db: DbOpt = None) -> None:
    """重建商品、客户的查找索引。"""
    from kaidan_tui.db.search import reindex

    database = open_db(db)
    with database.write() as session:
        n = reindex(session)
    typer.echo(f"已重建索引：{n} 条")


def _import(kind: str, file: Path, db: str | None, dry_run: bool) -> None:
    from kaidan_tui.services.imports import import_file

    result = import_file(open_db(db), kind, file, dry_run=dry_run)
    verb = "检查通过（未写入）" if dry_run else "已导入"
    typer.echo(f"{verb}：{result.rows} 行，新增 {result.created}，更新 {result.updated}")
    for note in result.notes:
        typer.echo(note)


FileArg = Annotated[Path, typer.Argument(help="CSV（UTF-8/GBK）或 XLSX 文件")]
DryOpt = Annotated[bool, typer.Option("--dry-run", help="只检查，不写入。")]


@import_app.command("products")
def import_products(file: FileArg, db: DbOpt = None, dry_run: DryOpt = False) -> None:
    """商品：code,name,spec,unit,price[,barcode,case_size,floor_price,tax_rate,coded]。"""
    _import("products", file, db, dry_run)


@import_app.command("customers")
def import_customers(file: FileArg, db: DbOpt = None, dry_run: DryOpt = False) -> None:
    """客户：code,name[,contact,phone,address,channel,tier,settlement,credit_limit]。"""
    _import("customers", file, db, dry_run)


@import_app.command("prices")
def import_prices(file: FileArg, db: DbOpt = None, dry_run: DryOpt = False) -> None:
    """价格：product,price 加 tier（等级价）或 customer（协议价）[,valid_from,valid_to]。

    商超采购单的不含税价填在 price_ex_tax（不含税单价）列，可加 pack（每件数量），
    按商品税率换算成一个销售单位的含税价（D8）。
    """
    _import("prices", file, db, dry_run)


@import_app.command("stock")
def import_stock(file: FileArg, db: DbOpt = None, dry_run: DryOpt = False) -> None:
    """库存：product,warehouse,qty（设为该数量，差额记库存变动）。"""
    _import("stock", file, db, dry_run)


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


AdminOpt = Annotated[
    str | None,
    typer.Option("--supervisor", help="审批主管编码（库里还没有主管时，第一个主管可不填）"),
]


def _read_pin(pin_stdin: bool, prompt: str) -> str:
    """A new PIN: one line of stdin, or typed twice on the terminal (hidden)."""
    if pin_stdin:
        return sys.stdin.readline().strip()
    if not sys.stdin.isatty():
        fail("没有终端可输入 PIN；请用 --pin-stdin 从标准输入传入。")
    pin = str(typer.prompt(prompt, hide_input=True))
    if pin != typer.prompt("再输一次", hide_input=True):
        fail("两次输入的 PIN 不一致，没有改动。")
    return pin


def _admin(database: Database, supervisor: str | None, pin_stdin: bool) -> UserInfo | None:
    """The approving supervisor (PIN first line of stdin with --pin-stdin), if named."""
    return _approver(database, supervisor, pin_stdin) if supervisor else None


@users_app.command("add")
def users_add(
    code: Annotated[str, typer.Argument(help="用户编码（登录用）")],
    name: Annotated[str, typer.Option("--name", help="姓名")],
    role: Annotated[
        str, typer.Option("--role", help="clerk（开单员）或 supervisor（主管）")
    ] = "clerk",
    supervisor: AdminOpt = None,
    pin_stdin: Annotated[
        bool,
        typer.Option(
            "--pin-stdin", help="从标准输入读：先主管 PIN（有 --supervisor 时），再新 PIN"
        ),
    ] = False,
    db: DbOpt = None,
) -> None:
    """新增用户（主管审批）；新 PIN 输入两次（或 --pin-stdin）。"""
    from kaidan_tui.domain.enums import Role
    from kaidan_tui.services.users import add_user, validate_pin

    try:
        role_value = Role(role)
    except ValueError:
        fail(f"角色「{role}」不认识，只能是 clerk 或 supervisor。")
    database = open_db(db)
    boss = _admin(database, supervisor, pin_stdin)
    pin = validate_pin(_read_pin(pin_stdin, f"{code} 的新 PIN"))
    with database.write() as session:
        info = add_user(session, code, name, role_value, pin, approver=boss)
    typer.echo(f"已创建用户 {info.code} {info.name}（{info.role.label}）")


@users_app.command("pin")
def users_pin(
    code: Annotated[str, typer.Argument(help="用户编码")],
    supervisor: SupervisorOpt,
    pin_stdin: Annotated[
        bool, typer.Option("--pin-stdin", help="从标准输入读两行：主管 PIN，新 PIN")
    ] = False,
    db: DbOpt = None,
) -> None:
    """重设 PIN（主管）：忘了 PIN 时用；同时解除锁定。"""
    from kaidan_tui.services.users import reset_pin, validate_pin

    database = open_db(db)
    boss = _approver(database, supervisor, pin_stdin)
    pin = validate_pin(_read_pin(pin_stdin, f"{code} 的新 PIN"))
    with database.write() as session:
        info = reset_pin(session, code, pin, approver=boss)
    typer.echo(f"已重设 {info.code} {info.name} 的 PIN（主管 {boss.code}）")


@users_app.command("unlock")
def users_unlock(
    code: Annotated[str, typer.Argument(help="用户编码")],
    supervisor: SupervisorOpt,
    pin_stdin: PinStdinOpt = False,
    db: DbOpt = None,
) -> None:
    """解锁（主管）：PIN 错误太多次被锁定的用户。"""
    from kaidan_tui.services.users import unlock

    database = open_db(db)
    boss = _approver(database, supervisor, pin_stdin)
    with database.write() as session:
        info = unlock(session, code, approver=boss)
    typer.echo(f"已解锁 {info.code} {info.name}（主管 {boss.code}）")


@users_app.command("list")
def users_list(db: DbOpt = None) -> None:
    """列出用户（停用、锁定的注明）。"""
    from datetime import UTC, datetime

    from kaidan_tui.services.users import list_users

    now = datetime.now(UTC)
    with open_db(db).read() as session:
        rows = list_users(session)
    for u in rows:
        state = "" if u.active else "（停用）"
        if u.locked_until is not None and u.locked_until > now:
            state += f"（锁定到 {u.locked_until.astimezone():%H:%M:%S}）"
        elif u.failed_attempts:
            state += f"（PIN 错 {u.failed_attempts} 次）"
        typer.echo(f"{u.code}\t{u.name}\t{u.role.label}{state}")


PrintersOpt = Annotated[
    str | None,
    typer.Option(
        "--printers", envvar="KAIDAN_PRINTERS", help="打印机配置文件（默认见 printers.toml 说明）。"
    ),
]


def _printers(database: Database | None, path: str | None) -> PrintersConfig:
    from kaidan_tui.db.engine import default_data_dir
    from kaidan_tui.printing import config as printer_config
    from kaidan_tui.services.printouts import load_printers

    if database is None:
        return printer_config.load(path, data_dir=default_data_dir())
    return load_printers(database, path)


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


@settings_app.command("list")
def settings_list(db: DbOpt = None) -> None:
    """列出所有设置项、当前值和说明。"""
    from kaidan_tui.services import settings

    database = open_db(db)
    with database.read() as session:
        for key, (default, meaning, _check) in settings.KNOWN.items():
            typer.echo(f"{key}\t{settings.get(session, key, default) or default}\t{meaning}")


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
    with database.write() as session:
        stored = settings.change(session, key, value, approver=boss)
    typer.echo(f"{key} = {stored}")


@app.command("keys")
def keys() -> None:
    """列出所有按键：操作编号、默认键、说明（可在 keymap.toml 里改键）。"""
    from kaidan_tui.tui.app import KaidanApp
    from kaidan_tui.tui.keymap import binding_table, keymap_path

    typer.echo(f'# 改键：在 {keymap_path()} 写 [keys] 表，如 "order.post" = "f12"')
    for binding_id, key, description, where in binding_table(KaidanApp):
        typer.echo(f"{binding_id}\t{key}\t{where}：{description}")


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
            f"\t{r.lines} 行\t{format_money(r.total)}"
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
        typer.echo(f"打印记录：{job.created_at:%Y-%m-%d %H:%M} {job.printer}{mark} {state}")


def _approver(database: Database, supervisor: str, pin_stdin: bool) -> UserInfo:
    """The supervisor's PIN, from the terminal (hidden) or one line of stdin."""
    from kaidan_tui.services.users import approve

    if pin_stdin:
        pin = sys.stdin.readline().strip()
    else:
        if not sys.stdin.isatty():
            fail("需要主管 PIN：没有终端可输入，请用 --pin-stdin 从标准输入传入。")
        pin = typer.prompt(f"主管 {supervisor} 的 PIN", hide_input=True)
    return approve(database, supervisor, pin)


def _operator(database: Database, user: str | None) -> UserInfo:
    """Who does it: ``--user`` (or KAIDAN_USER), else the import user."""
    from kaidan_tui.services.setup import IMPORT_USER
    from kaidan_tui.services.users import get_user

    with database.read() as session:
        return get_user(session, user or IMPORT_USER)


def _supervised(
    what: str, number: str, reason: str, supervisor: str, pin_stdin: bool, user: str | None,
    db: str | None,
) -> tuple[LifecycleResult, UserInfo]:  # fmt: skip
    """A void or a reversal: the supervisor's PIN first, then the change, all or nothing."""
    from kaidan_tui.services import lifecycle

    database = open_db(db)
    boss = _approver(database, supervisor, pin_stdin)
    action = lifecycle.void if what == "void" else lifecycle.reverse
    who = _operator(database, user)
    return action(database, number, reason=reason, user=who, approver=boss), boss


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


def _day(text: str | None) -> date:
    from datetime import date as date_type

    if not text:
        from kaidan_tui.domain import clock

        return clock.today()
    try:
        return date_type.fromisoformat(text)
    except ValueError:
        fail(f"日期「{text}」格式应为 2026-11-23。")


DateOpt = Annotated[str | None, typer.Option("--date", help="营业日，默认今天")]
LedgerOpt = Annotated[str | None, typer.Option("--ledger", help="账套编码，默认主账套")]


def _print_report(database: Database, printers: str | None, text_lines: list[str]) -> None:
    """A report to the printer routed as ``report`` in printers.toml (sent directly)."""
    from kaidan_tui.printing.layout import Row
    from kaidan_tui.printing.render import render_report
    from kaidan_tui.printing.text import wrap
    from kaidan_tui.printing.transports import PrinterProblem, send

    target = _printers(database, printers).target("report")
    rows = [Row(part) for line in text_lines for part in wrap(line, target.columns)]
    try:
        send(target, render_report(rows, target))
    except PrinterProblem as exc:
        fail(str(exc), 3)
    _err(f"已送到 {target.name}")


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
        text_out = json.dumps(daily.to_json(rep), ensure_ascii=False, indent=2, sort_keys=True)
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


@day_app.command("cash")
def day_cash(
    driver: Annotated[str, typer.Argument(help="司机（自提写 自提）")],
    amount: Annotated[str, typer.Argument(help="实收现金")],
    note: Annotated[str, typer.Option("--note", help="差额说明")] = "",
    day: DateOpt = None,
    ledger: LedgerOpt = None,
    user: UserOpt = None,
    db: DbOpt = None,
) -> None:
    """登记司机交回的现金（重点一次就再登记一次，以最后一次为准）。"""
    from kaidan_tui.domain.money import parse_amount
    from kaidan_tui.services import daily

    database = open_db(db)
    value = parse_amount(amount, what="现金")
    daily.count_cash(database, _day(day), driver, value, user=_operator(database, user),
                     note=note, ledger=ledger)  # fmt: skip
    typer.echo(f"{driver} 实收 {value:.2f}")


@day_app.command("copy-back")
def day_copy_back(
    numbers: Annotated[list[str], typer.Argument(help="收回回单的单号（可多个）")],
    user: UserOpt = None,
    db: DbOpt = None,
) -> None:
    """回单已收回（赊账单的签收联）。"""
    from kaidan_tui.services import daily

    database = open_db(db)
    who = _operator(database, user)
    for number in numbers:
        daily.tick_return_copy(database, number, user=who)
        typer.echo(f"回单已收：{number}")


@day_app.command("close")
def day_close(
    supervisor: SupervisorOpt,
    pin_stdin: PinStdinOpt = False,
    day: DateOpt = None,
    ledger: LedgerOpt = None,
    user: UserOpt = None,
    send: Annotated[bool, typer.Option("--print", help="关账后打印 Z 报表")] = False,
    printers: PrintersOpt = None,
    db: DbOpt = None,
) -> None:
    """日结（主管）：现金点清、差额有说明才能关账；之后当天的单只能红冲。"""
    from kaidan_tui.services import daily

    database = open_db(db)
    boss = _approver(database, supervisor, pin_stdin)
    closed = daily.close(database, _day(day), user=_operator(database, user), approver=boss,
                         ledger=ledger)  # fmt: skip
    z = daily.z_lines(database, closed.row)
    typer.echo(f"已日结 {closed.business_date}")
    typer.echo("\n".join(z[1:]))
    if closed.backup.failed:
        _err(closed.backup.message)
    elif closed.backup.message:
        typer.echo(closed.backup.message)
    if send:
        from kaidan_tui.services import daily_export

        rep = daily.report(database, closed.business_date, ledger=ledger)
        _print_report(database, printers, z + daily_export.lines(rep))
    if closed.backup.failed:
        raise typer.Exit(5)


@day_app.command("recheck")
def day_recheck(
    day: DateOpt = None,
    first: Annotated[str | None, typer.Option("--from", help="从哪天（含）")] = None,
    last: Annotated[str | None, typer.Option("--to", help="到哪天（含）")] = None,
    ledger: LedgerOpt = None,
    save: Annotated[
        bool, typer.Option("--record", help="把重算结果记为更正（附在原日结旁，不改原日结）")
    ] = False,
    supervisor: Annotated[
        str | None, typer.Option("--supervisor", help="审批主管编码（--record 时必填）")
    ] = None,
    pin_stdin: PinStdinOpt = False,
    user: UserOpt = None,
    db: DbOpt = None,
) -> None:
    """重算已日结的日子，列出与日结时记录不同的数字（退出码 3 = 有不同，未记录）。"""
    from kaidan_tui.services import recheck

    if day and (first or last):
        fail("--date 和 --from/--to 只能用一种。")
    if day or not (first or last):
        lo = hi = _day(day)
    else:
        lo = _day(first) if first else _day(last)
        hi = _day(last) if last else _day(None)
    database = open_db(db)
    if save and not supervisor:
        fail("--record 需要主管：请加 --supervisor 主管编码。")
    checks = recheck.recheck(database, lo, hi, ledger=ledger)
    if not checks:
        _err(f"{lo} 到 {hi} 没有已日结的日子。" if lo != hi else f"{lo} 还没有日结。")
        return
    open_diffs = 0
    for check in checks:
        if not check.differences:
            typer.echo(f"{check.ledger} {check.day}：与日结时一致")
            continue
        state = "（已记录更正）" if check.already_recorded else ""
        typer.echo(f"{check.ledger} {check.day}：{len(check.differences)} 项与日结时不同{state}")
        for d in check.differences:
            typer.echo(f"  {d}")
        open_diffs += 0 if check.already_recorded else 1
    if save and open_diffs:
        boss = _approver(database, supervisor or "", pin_stdin)
        done = recheck.record(database, lo, hi, user=_operator(database, user), approver=boss,
                              ledger=ledger)  # fmt: skip
        for check in done:
            typer.echo(f"已记录更正：{check.ledger} {check.day}（原日结不变）")
        return
    if open_diffs:
        _err("日结时记录的数字与重算不同。主管可加 --record --supervisor 编码 记为更正。")
        raise typer.Exit(3)


@app.command("backup")
def backup_cmd(
    to: Annotated[
        Path | None,
        typer.Option("--to", help="备份文件路径（默认：数据库旁 backups/ 下，带日期时间）"),
    ] = None,
    db: DbOpt = None,
) -> None:
    """在线备份数据库（开单不用停）：一致的副本，自检后才落盘。PostgreSQL 请用 pg_dump。"""
    from kaidan_tui.db.location import resolve_url, sqlite_path
    from kaidan_tui.services import backup

    url = resolve_url(db)
    path = sqlite_path(url)
    if path is None:
        fail(backup.pg_dump_hint(url))
    _check_sqlite_file(path, must_exist=True)
    info = backup.backup(open_db(db, check=False), to)
    typer.echo(info.message)


@audit_app.command("verify")
def audit_verify(db: DbOpt = None) -> None:
    """逐条校验审计日志的链（密钥 HMAC），指出第一条被改动的记录；再核对每户外欠与单据。
    退出码 4 = 链已断或外欠不符。"""
    from kaidan_tui.services import pepper as peppers
    from kaidan_tui.services.accounts import check_balances
    from kaidan_tui.services.audit import Problem, verify_chain

    key = peppers.load()
    with open_db(db).read() as session:
        report = verify_chain(session, key)
        want = peppers.expected(session)
        balances = check_balances(session)
    where = peppers.path()
    if report.problem is Problem.NO_PEPPER:
        fail(
            f"审计日志从第 {report.keyed_from} 条起用密钥签名，本机没有密钥文件 {where}，"
            f"无法校验。多台电脑共用数据库时，请从第一台电脑复制同一个密钥文件（权限 600）。"
        )
    if report.problem is Problem.WRONG_PEPPER:
        _err(
            f"密钥不对：第 {report.keyed_from} 条起的记录没有一条能用本机密钥文件 {where} 校验通过"
            f"（本机指纹 {peppers.fingerprint(key or b'')}，数据库要求 {want or '未记录'}）。"
            "这通常是密钥文件拿错了，不是记录被改：请复制这个数据库所用的密钥文件后再校验。"
        )
        raise typer.Exit(4)
    if report.problem is Problem.UNKEYED:
        _err(
            "审计日志没有密钥标记，但数据库记录了要用密钥：日志可能被整体改写过。"
            "请保留数据库文件并联系管理员。"
        )
        raise typer.Exit(4)
    if report.broken_at is not None:
        _err(
            f"审计日志第 {report.broken_at} 条记录与链不符：它或它之前的记录被改动过"
            f"（前 {report.rows - 1} 条完好）。请保留数据库文件并联系管理员。"
        )
        raise typer.Exit(4)
    if balances:
        shown = "；".join(f"{code} 记 {kept} 算得 {summed}" for code, kept, summed in balances[:5])
        _err(
            f"客户外欠与单据不符（{len(balances)} 户）：{shown}。外欠只由单据和收款自动记账，"
            "不符说明数据库被绕过程序改动过。请保留数据库文件并联系管理员。"
        )
        raise typer.Exit(4)
    keyed = (
        f"，第 {report.keyed_from} 条起密钥签名（指纹 {want}）"
        if report.keyed_from is not None
        else "，未用密钥（旧库：运行 kaidan db upgrade 启用）"
    )
    typer.echo(f"审计日志完好：{report.rows} 条，链头 #{report.head_id} {report.head[:16]}…{keyed}")
    typer.echo("客户外欠与单据、收款核对一致。")


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


@search_app.command("products")
def search_products(
    query: str, db: DbOpt = None, limit: Annotated[int, typer.Option("--limit")] = 20
) -> None:
    """按编码、条码、拼音首字母或名称查找商品。"""
    from kaidan_tui.domain.money import format_qty
    from kaidan_tui.services.catalog import search_products as find

    for h in find(open_db(db), query, limit):
        typer.echo(
            f"{h.code}\t{h.name}\t{h.spec}\t{h.unit}\t{h.list_price}\t库存 {format_qty(h.stock)}"
        )


@search_app.command("customers")
def search_customers(
    query: str, db: DbOpt = None, limit: Annotated[int, typer.Option("--limit")] = 20
) -> None:
    """按编码、拼音首字母、名称、电话查找客户。"""
    from kaidan_tui.services.catalog import search_customers as find

    for h in find(open_db(db), query, limit):
        typer.echo(f"{h.code}\t{h.name}\t{h.channel}\t{h.phone}\t外欠 {h.balance}")


def _log_path() -> Path:
    from kaidan_tui.db.engine import default_data_dir

    return default_data_dir() / "kaidan-error.log"


def _write_error_log() -> Path:
    """Append the current traceback to the error log, created 0600 (it may hold data)."""
    log = _log_path()
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)  # an older, wider log is narrowed too
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(traceback.format_exc())
    except OSError:
        return Path(os.devnull)
    return log


def _is(exc: BaseException, name: str) -> bool:
    """``exc`` is a click exception of this name (typer vendors click; names are stable)."""
    return any(c.__name__ == name for c in type(exc).__mro__)


def _command_path(exc: Exception) -> str:
    ctx = getattr(exc, "ctx", None)
    names: list[str] = []
    while ctx is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(["kaidan", *reversed(names[:-1])]) if names else "kaidan"


def _hint(exc: Exception) -> str:
    """The option or argument a usage error is about, e.g. ``--name`` or ``FILE``."""
    hint = getattr(exc, "param_hint", None)
    param = getattr(exc, "param", None)
    if hint is None and param is not None:
        opts = getattr(param, "opts", None)
        if getattr(param, "param_type_name", "") == "option" and opts:
            hint = list(opts)
        else:
            hint = str(getattr(param, "name", "") or "").upper()
    if isinstance(hint, (list, tuple)):
        hint = " / ".join(str(h) for h in hint)
    return str(hint or "").replace("'", "").replace('"', "")


def usage_message(exc: Exception) -> str:
    """A click usage error, in Chinese where we know the kind."""
    import re

    text = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    raw = str(getattr(exc, "message", text))
    if _is(exc, "NoSuchOption"):
        name = getattr(exc, "option_name", "")
        maybe = sorted(getattr(exc, "possibilities", None) or [])
        detail = f"没有选项 {name}" + (f"（是不是 {'、'.join(maybe)}？）" if maybe else "")
    elif _is(exc, "MissingParameter"):
        param = getattr(exc, "param", None)
        kind = getattr(exc, "param_type", None) or getattr(param, "param_type_name", "")
        detail = f"缺少{'选项' if kind == 'option' else '参数'} {_hint(exc)}".rstrip()
    elif _is(exc, "BadParameter"):
        why = "应为整数" if "valid integer" in raw else raw
        detail = f"{_hint(exc) or '参数'} 的值不对：{why}"
    elif m := re.match(r"No such command '(.+)'", raw):
        detail = f"没有命令 {m.group(1)}"
    elif m := re.match(r"Got unexpected extra argument(?:s|\(s\))? \((.+)\)", raw):
        detail = f"多余的参数：{m.group(1)}"
    elif m := re.match(r"Option '(.+)' requires an argument", raw):
        detail = f"选项 {m.group(1)} 后面要跟一个值"
    else:
        detail = text
    return f"命令用法错误：{detail}。运行 {_command_path(exc)} --help 查看用法"


_DB_ERRORS = (
    (
        "unable to open database file",
        "无法打开数据库文件 {db}：路径不存在、是目录或没有权限。请检查 --db 路径和文件权限。",
    ),
    (
        "file is not a database",
        "{db} 不是 SQLite 数据库文件。请检查 --db 是否指向 kaidan 的数据库。",
    ),
    (
        "disk image is malformed",
        "数据库文件 {db} 已损坏。请停止使用这个文件，从备份恢复，并联系管理员。",
    ),
    (
        "database is locked",
        "数据库 {db} 正被其他程序占用，等待超时。请稍后重试，或检查是否有卡住的 kaidan。",
    ),
    ("readonly database", "数据库 {db} 是只读的，不能写入。请检查文件及所在目录的写权限。"),
    ("database or disk is full", "磁盘已满，无法写入数据库 {db}。请清理磁盘空间后重试。"),
    ("disk i/o error", "读写数据库 {db} 时磁盘出错。请检查磁盘后重试。"),
    # PostgreSQL
    (
        "lock timeout",
        "数据库 {db} 正被其他柜台写入，等待超时。请稍后重试，或检查是否有卡住的 kaidan。",
    ),
    (
        "connection to server",
        "连不上数据库服务器 {db}：请检查服务器是否开着、网络是否通、--db 地址和密码（~/.pgpass）。",
    ),
)


def database_message(exc: Exception) -> str | None:
    """A database that cannot be used (not a bug in kaidan), in Chinese; else None."""
    if "sqlalchemy" not in sys.modules:
        return None
    from sqlalchemy.exc import DatabaseError, OperationalError

    if not (type(exc) is DatabaseError or isinstance(exc, OperationalError)):
        return None  # integrity and programming errors are bugs: internal error + log
    where = _opened or "（--db 指定的数据库）"
    detail = str(getattr(exc, "orig", None) or exc).lower()
    for needle, message in _DB_ERRORS:
        if needle in detail:
            return message.format(db=where)
    return (
        f"数据库 {where} 无法使用（{detail}）。请检查 --db 路径和磁盘；若反复出现，请联系管理员。"
    )


def _report(exc: Exception) -> int:
    """Tell the user what went wrong, in Chinese; return the exit code."""
    if _is(exc, "NoArgsIsHelpError"):  # `kaidan db` alone: its help, as before
        _err(getattr(exc, "format_message")())  # noqa: B009
        return 2
    if _is(exc, "UsageError"):
        _err(usage_message(exc))
        return 2
    if _is(exc, "Abort"):  # Ctrl-C or end of input at a prompt
        _err("已取消。")
        return 1
    if _is(exc, "ClickException"):
        _err(f"错误：{getattr(exc, 'format_message')()}")  # noqa: B009
        return int(getattr(exc, "exit_code", 1))
    db_message = database_message(exc)
    if db_message is not None:
        _err(db_message)
        return 2
    log = _write_error_log()
    _err(f"内部错误：{type(exc).__name__}: {exc}\n详细信息已记录到 {log}，请联系管理员。")
    return 1


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


if __name__ == "__main__":
    main()
