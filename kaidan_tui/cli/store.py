"""``kaidan demo``, ``init``, ``db``, ``backup``, ``audit`` and ``keys``: the store itself."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kaidan_tui.cli import common
from kaidan_tui.cli.app import _run_tui, app
from kaidan_tui.cli.common import (
    DbOpt,
    _check_sqlite_file,
    _err,
    demo_path,
    fail,
    open_db,
    store_opener,
)

if TYPE_CHECKING:
    from kaidan_tui.services.setup import DemoSummary

db_app = typer.Typer(help="数据库：升级、重建索引 (database maintenance).", no_args_is_help=True)


audit_app = typer.Typer(help="审计日志：校验链 (audit log).", no_args_is_help=True)


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
    common._opened = str(path)
    _check_sqlite_file(path, must_exist=False)
    return build_demo_file(path)


@db_app.command("upgrade")
def db_upgrade(db: DbOpt = None) -> None:
    """把数据库升级到程序的版本（先备份）。"""
    from kaidan_tui.db.migrate import HEAD_REVISION, upgrade
    from kaidan_tui.services.audit import start_signing

    database = open_db(db, check=False)
    upgrade(database.engine)
    keyed = start_signing(database)
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
    from kaidan_tui.services.catalog import reindex

    n = reindex(open_db(db))
    typer.echo(f"已重建索引：{n} 条")


@app.command("backup")
def backup_cmd(
    to: Annotated[
        Path | None,
        typer.Option("--to", help="备份文件路径（默认：数据库旁 backups/ 下，带日期时间）"),
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="--to 的文件已存在时覆盖它（只覆盖普通文件）")
    ] = False,
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
    info = backup.backup(open_db(db, check=False), to, replace=replace)
    typer.echo(info.message)


@audit_app.command("verify")
def audit_verify(db: DbOpt = None) -> None:
    """逐条校验审计日志的链（密钥 HMAC），指出第一条被改动的记录；再核对每户外欠与单据。
    退出码 4 = 链已断或外欠不符。"""
    from kaidan_tui.services import pepper as peppers
    from kaidan_tui.services.audit import Problem
    from kaidan_tui.services.verify import verify

    key = peppers.load()
    verified = verify(open_db(db), key)
    report, want, balances = verified.chain, verified.expected_pepper, verified.balances
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


@app.command("keys")
def keys() -> None:
    """列出所有按键：操作编号、默认键、说明（可在 keymap.toml 里改键）。"""
    from kaidan_tui.tui.app import KaidanApp
    from kaidan_tui.tui.keymap import binding_table, keymap_path

    typer.echo(f'# 改键：在 {keymap_path()} 写 [keys] 表，如 "order.post" = "f12"')
    for binding_id, key, description, where in binding_table(KaidanApp):
        typer.echo(f"{binding_id}\t{key}\t{where}：{description}")
