"""日结: a whole day built slip by slip, every figure of the report checked against sums
computed here, and the close refused until the cash is explained."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Customer, Ledger, Payment, Slip
from kaidan_tui.domain.enums import SlipType
from kaidan_tui.domain.errors import InputError, PermissionDenied, StateError
from kaidan_tui.services import daily, daily_export, day_end, lifecycle, slips
from kaidan_tui.services.slips import LineIn, SlipIn
from kaidan_tui.services.users import UserInfo

D = Decimal
DAY = date.today() - timedelta(days=1)


def post(db: Database, clerk: UserInfo, boss: UserInfo, **kw: object) -> slips.PostResult:
    lines = kw.pop("lines")
    order = SlipIn(business_date=DAY, lines=lines, **kw)  # type: ignore[arg-type]
    return slips.post(db, order, user=clerk, approver=boss)  # back-dated: approved


def build_day(db: Database, clerk: UserInfo, boss: UserInfo) -> dict[str, object]:
    yl = [LineIn(product="YL0001", qty="4")]
    made: dict[str, object] = {}
    made["cash_zhang_1"] = post(db, clerk, boss, customer="K0001", settlement="现款",
                                delivery="张师傅", lines=yl)  # fmt: skip
    ls = [LineIn(product="LS0001", qty="3")]
    made["cash_zhang_2"] = post(db, clerk, boss, customer="K0002", settlement="现款",
                                delivery="张师傅", lines=ls)  # fmt: skip
    made["cash_pickup"] = post(db, clerk, boss, customer="K0003", settlement="现款",
                               lines=[LineIn(product="YL0024", qty="2")])  # fmt: skip
    made["credit_li"] = post(db, clerk, boss, customer="K0005", settlement="月结",
                             delivery="李师傅", lines=yl)  # fmt: skip
    water = [LineIn(product="YL0024", qty="1")]
    made["credit_back"] = post(db, clerk, boss, customer="K0005", settlement="月结",
                               delivery="李师傅", lines=water)  # fmt: skip
    made["voided"] = post(db, clerk, boss, customer="K0001", settlement="现款",
                          delivery="张师傅", lines=yl)  # fmt: skip
    made["reversed"] = post(db, clerk, boss, customer="K0005", settlement="月结",
                            delivery="李师傅", lines=yl)  # fmt: skip
    # The driver brings slip 1 back changed: the customer took 3, not 4 (partial return).
    made["partial_return"] = post(db, clerk, boss, type=SlipType.RETURN, customer="K0001",
                                  settlement="现款", delivery="张师傅",
                                  against=made["cash_zhang_1"].number,  # type: ignore[attr-defined]
                                  lines=[LineIn(product="YL0001", qty="1")])  # fmt: skip
    made["gift"] = post(db, clerk, boss, type=SlipType.GIFT, recipient="展销会",
                        lines=[LineIn(product="YL0001", qty="1")])  # fmt: skip
    made["stock_in"] = post(db, clerk, boss, type=SlipType.STOCK_IN,
                            lines=[LineIn(product="YL0001", qty="24")])  # fmt: skip
    lifecycle.void(db, made["voided"].number, reason="重复开单", user=clerk, approver=boss)  # type: ignore[attr-defined]
    lifecycle.reverse(db, made["reversed"].number, reason="客户退单", user=clerk, approver=boss)  # type: ignore[attr-defined]
    day_end.tick_return_copy(db, made["credit_back"].number, user=clerk)  # type: ignore[attr-defined]
    with db.write() as s:
        ledger = s.exec(select(Ledger).where(Ledger.code == "KD")).one()
        customer_id = s.exec(select(Customer.id).where(Customer.code == "K0005")).one()
        assert customer_id is not None
        s.add(Payment(ledger_id=ledger.id or 0, customer_id=customer_id, amount=D("100.00"),
                      method="转账", business_date=DAY, user_id=clerk.id))  # fmt: skip
    return made


def amount(result: object) -> Decimal:
    return result.total_amount  # type: ignore[attr-defined,no-any-return]


def test_every_figure_of_the_day(demo_db: Database, clerk: UserInfo, supervisor: UserInfo) -> None:
    made = build_day(demo_db, clerk, supervisor)
    rep = daily.report(demo_db, DAY, ledger="KD")

    posted_sales = ["cash_zhang_1", "cash_zhang_2", "cash_pickup", "credit_li", "credit_back"]
    sale = rep.by_type["sale"]
    assert sale["posted"].count == len(posted_sales)
    assert sale["posted"].amount == sum(amount(made[k]) for k in posted_sales)
    assert sale["void"].count == 1 and sale["reversed"].count == 1
    assert rep.by_type["return"]["posted"].amount == amount(made["partial_return"])
    assert rep.by_type["gift"]["posted"].count == 1 and rep.by_type["stock_in"]["posted"].count == 1
    assert "reversal" not in rep.by_type  # the 红冲 is dated today, not the closed day

    cash = sum(amount(made[k]) for k in ("cash_zhang_1", "cash_zhang_2", "cash_pickup"))
    cash -= amount(made["partial_return"])
    assert rep.by_settlement["现款"].amount == cash
    # A reversed slip still counts on its own day; its 红冲 counts today (docs/money.md).
    credit = [amount(made[k]) for k in ("credit_li", "credit_back", "reversed")]
    assert rep.by_settlement["月结"].amount == sum(credit)

    zhang = next(d for d in rep.drivers if d.driver == "张师傅")
    pickup = next(d for d in rep.drivers if d.driver == daily.PICKUP)
    assert zhang.expected == amount(made["cash_zhang_1"]) + amount(made["cash_zhang_2"]) - amount(
        made["partial_return"]
    )
    assert pickup.expected == amount(made["cash_pickup"])
    assert "李师傅" not in {d.driver for d in rep.drivers}  # credit only: no cash to hand in

    assert [m.number for m in rep.missing_copies] == [made["credit_li"].number]  # type: ignore[attr-defined]
    assert rep.copies_back == 1
    assert [v.number for v in rep.voids] == [made["voided"].number]  # type: ignore[attr-defined]
    assert rep.voids[0].reason == "重复开单" and rep.voids[0].approver == supervisor.name
    assert rep.payments == {"转账": D("100.00")}
    assert rep.gap_free and rep.series  # checked, and no gaps

    yl = next(p for p in rep.products if p.code == "YL0001")
    # zhang_1 + credit_li + reversed (its 红冲 is today), less the partial return; void out
    assert yl.qty == 4 + 4 + 4 - 1
    json_shape = daily_export.to_json(rep)
    assert json_shape["schema"] == daily_export.SCHEMA_VERSION
    assert json_shape["numbers"]["gap_free"] is True
    assert json_shape["drivers"][0]["expected"].count(".") == 1


def test_the_day_closes_only_when_the_cash_is_explained(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    made = build_day(demo_db, clerk, supervisor)
    rep = daily.report(demo_db, DAY, ledger="KD")
    zhang = next(d for d in rep.drivers if d.driver == "张师傅")
    pickup = next(d for d in rep.drivers if d.driver == daily.PICKUP)
    with pytest.raises(PermissionDenied):
        day_end.close(demo_db, DAY, user=clerk, approver=clerk, ledger="KD")
    with pytest.raises(StateError, match="未点款"):
        day_end.close(demo_db, DAY, user=clerk, approver=supervisor, ledger="KD")
    day_end.count_cash(demo_db, DAY, "张师傅", zhang.expected - 10, user=clerk, ledger="KD")
    day_end.count_cash(demo_db, DAY, daily.PICKUP, pickup.expected, user=clerk, ledger="KD")
    with pytest.raises(StateError, match=r"差 -10\.00"):
        day_end.close(demo_db, DAY, user=clerk, approver=supervisor, ledger="KD")
    day_end.count_cash(demo_db, DAY, "张师傅", zhang.expected - 10, user=clerk, ledger="KD",
                     note="司机找零少收 10 元，明天补")  # fmt: skip
    closed = day_end.close(demo_db, DAY, user=clerk, approver=supervisor, ledger="KD")
    assert closed.audit_checksum and '"gap_free": true' in closed.totals
    assert daily.report(demo_db, DAY, ledger="KD").closed
    with pytest.raises(StateError, match="已日结"):
        lifecycle.void(demo_db, made["cash_zhang_2"].number, reason="客户取消",  # type: ignore[attr-defined]
                       user=clerk, approver=supervisor)  # fmt: skip
    red = lifecycle.reverse(demo_db, made["cash_zhang_2"].number, reason="客户取消",  # type: ignore[attr-defined]
                            user=clerk, approver=supervisor)  # fmt: skip
    assert red.reversal_number.startswith("HC")
    with pytest.raises(InputError, match="已日结"):
        post(demo_db, clerk, supervisor, customer="K0001", settlement="现款",
             lines=[LineIn(product="YL0001", qty="1")])  # fmt: skip
    with pytest.raises(StateError, match="已日结"):
        day_end.count_cash(demo_db, DAY, "张师傅", D("1"), user=clerk, ledger="KD")


def test_cli_report_and_close(store: str) -> None:
    import json

    from tests.support.cli import kaidan

    out = kaidan("report", "daily", "--format", "json", "--db", store)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["schema"] == 1 and data["numbers"]["checked"] is True
    assert data["by_type"]["sale"]["posted"]["count"] >= 1
    pickup = next(d for d in data["drivers"] if d["driver"] == "自提")
    out = kaidan("day", "close", "--supervisor", "8001", "--pin-stdin", "--db", store,
                 stdin="8888\n")  # fmt: skip
    assert out.returncode == 2 and "未点款" in out.stderr
    assert kaidan("day", "cash", "自提", pickup["expected"], "--db", store).returncode == 0
    for d in data["drivers"]:
        if d["driver"] != "自提":
            kaidan("day", "cash", d["driver"], d["expected"], "--db", store)
    out = kaidan("day", "close", "--supervisor", "8001", "--pin-stdin", "--db", store,
                 stdin="8888\n")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(kaidan("report", "daily", "--format", "json", "--db", store).stdout)["closed"]


def test_daily_report_prints_within_the_width(store: str, tmp_path: Path) -> None:
    from tests.support.cli import kaidan
    from tests.support.printer_bytes import columns, decode

    conf = tmp_path / "printers.toml"
    conf.write_text(
        f'[printers.r]\nkind = "file"\npath = "{tmp_path}/r.bin"\nprotocol = "escpos"\n'
        'columns = 32\n[routing]\nreport = "r"\n',
        encoding="utf-8",
    )
    out = kaidan("report", "daily", "--print", "--printers", str(conf), "--db", store)
    assert out.returncode == 0, out.stderr
    [part] = decode((tmp_path / "r.bin").read_bytes(), "escpos").chunks
    assert part.rows[0].startswith("日报 KD") and "【连号检查】无缺号、无重号" in part.text
    assert all(columns(r) <= 32 for r in part.rows)


def test_after_today_is_closed_the_messages_point_to_the_next_day(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    """Found by the money trial: with today closed, a void said 'use 红冲' and the 红冲
    was refused too; a new slip said 'use today's date', which it did."""
    from kaidan_tui.domain import clock

    today = clock.today()
    order = SlipIn(customer="K0001", settlement="现款", lines=[LineIn(product="YL0001", qty="1")])
    sale = slips.post(demo_db, order, user=clerk)
    for d in daily.report(demo_db, today, ledger="KD").drivers:
        day_end.count_cash(demo_db, today, d.driver, d.expected, user=clerk, ledger="KD")
    day_end.close(demo_db, today, user=clerk, approver=supervisor, ledger="KD")
    with pytest.raises(StateError, match="请在下一个营业日红冲它"):
        lifecycle.void(demo_db, sale.number, reason="客户取消", user=clerk, approver=supervisor)
    with pytest.raises(StateError, match="请在下一个营业日红冲"):
        lifecycle.reverse(demo_db, sale.number, reason="客户取消", user=clerk, approver=supervisor)
    tomorrow = today + timedelta(days=1)
    with pytest.raises(InputError, match=f"本单可记入下一个营业日 {tomorrow}"):
        slips.post(demo_db, order.model_copy(update={"idempotency_key": "again"}), user=clerk)
    later = order.model_copy(update={"idempotency_key": "later", "business_date": tomorrow})
    booked = slips.post(demo_db, later, user=clerk)  # the next open day: not "the future"
    with demo_db.read() as s:
        assert s.get(Slip, booked.slip_id).business_date == tomorrow  # type: ignore[union-attr]
    too_far = later.model_copy(
        update={"idempotency_key": "far", "business_date": tomorrow + timedelta(days=1)}
    )
    with pytest.raises(InputError, match="晚于今天"):
        slips.post(demo_db, too_far, user=clerk)


def test_report_rows_line_up_by_display_width(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    """The 【单据】 rows padded by characters: 红冲 and 作废 rows sat 1–2 columns off (a
    hanzi takes two columns of the terminal and of the printer)."""
    from rich.cells import cell_len

    from kaidan_tui.domain import clock
    from kaidan_tui.services.daily_export import lines

    build_day(demo_db, clerk, supervisor)
    text = lines(daily.report(demo_db, clock.today(), ledger="KD"))
    start = text.index("【单据】") + 1
    end = text.index("【结算方式】")
    rows = text[start:end]
    assert len({r.split()[0] for r in rows}) >= 2, rows  # several kinds, to compare
    assert len({cell_len(r[: r.index("张")]) for r in rows}) == 1, rows
