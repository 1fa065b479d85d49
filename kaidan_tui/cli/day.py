"""``kaidan day``: cash counts, return copies, close and recheck."""

from __future__ import annotations

from typing import Annotated

import typer

from kaidan_tui.cli.common import (
    DateOpt,
    DbOpt,
    LedgerOpt,
    PinStdinOpt,
    PrintersOpt,
    SupervisorOpt,
    UserOpt,
    _approver,
    _day,
    _err,
    _operator,
    _print_report,
    fail,
    open_db,
)

day_app = typer.Typer(help="日结：点款、回单、关账 (end of day).", no_args_is_help=True)


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
    from kaidan_tui.services import day_end

    database = open_db(db)
    value = parse_amount(amount, what="现金")
    day_end.count_cash(database, _day(day), driver, value, user=_operator(database, user),
                     note=note, ledger=ledger)  # fmt: skip
    typer.echo(f"{driver} 实收 {value:.2f}")


@day_app.command("copy-back")
def day_copy_back(
    numbers: Annotated[list[str], typer.Argument(help="收回回单的单号（可多个）")],
    user: UserOpt = None,
    db: DbOpt = None,
) -> None:
    """回单已收回（赊账单的签收联）。"""
    from kaidan_tui.services import day_end

    database = open_db(db)
    who = _operator(database, user)
    for number in numbers:
        day_end.tick_return_copy(database, number, user=who)
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
    from kaidan_tui.services import daily, day_end

    database = open_db(db)
    boss = _approver(database, supervisor, pin_stdin)
    closed = day_end.close(database, _day(day), user=_operator(database, user), approver=boss,
                         ledger=ledger)  # fmt: skip
    z = day_end.z_lines(database, closed.row)
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
