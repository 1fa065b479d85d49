"""``kaidan users``: clerks and supervisors, PINs, locks."""

from __future__ import annotations

from typing import Annotated

import typer

from kaidan_tui.cli.common import (
    AdminOpt,
    DbOpt,
    PinStdinOpt,
    SupervisorOpt,
    _admin,
    _approver,
    _read_pin,
    fail,
    open_db,
)

users_app = typer.Typer(help="用户：开单员、主管 (users).", no_args_is_help=True)


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
    from kaidan_tui.services import users
    from kaidan_tui.services.users import validate_pin

    try:
        role_value = Role(role)
    except ValueError:
        fail(f"角色「{role}」不认识，只能是 clerk 或 supervisor。")
    database = open_db(db)
    boss = _admin(database, supervisor, pin_stdin)
    pin = validate_pin(_read_pin(pin_stdin, f"{code} 的新 PIN"))
    info = users.create(database, code, name, role_value, pin, approver=boss)
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
    from kaidan_tui.services import users
    from kaidan_tui.services.users import validate_pin

    database = open_db(db)
    boss = _approver(database, supervisor, pin_stdin)
    pin = validate_pin(_read_pin(pin_stdin, f"{code} 的新 PIN"))
    info = users.change_pin(database, code, pin, approver=boss)
    typer.echo(f"已重设 {info.code} {info.name} 的 PIN（主管 {boss.code}）")


@users_app.command("unlock")
def users_unlock(
    code: Annotated[str, typer.Argument(help="用户编码")],
    supervisor: SupervisorOpt,
    pin_stdin: PinStdinOpt = False,
    db: DbOpt = None,
) -> None:
    """解锁（主管）：PIN 错误太多次被锁定的用户。"""
    from kaidan_tui.services import users

    database = open_db(db)
    boss = _approver(database, supervisor, pin_stdin)
    info = users.release(database, code, approver=boss)
    typer.echo(f"已解锁 {info.code} {info.name}（主管 {boss.code}）")


@users_app.command("list")
def users_list(db: DbOpt = None) -> None:
    """列出用户（停用、锁定的注明）。"""
    from datetime import UTC, datetime

    from kaidan_tui.services import users

    now = datetime.now(UTC)
    rows = users.everyone(open_db(db))
    for u in rows:
        state = "" if u.active else "（停用）"
        if u.locked_until is not None and u.locked_until > now:
            state += f"（锁定到 {u.locked_until.astimezone():%H:%M:%S}）"
        elif u.failed_attempts:
            state += f"（PIN 错 {u.failed_attempts} 次）"
        typer.echo(f"{u.code}\t{u.name}\t{u.role.label}{state}")
