"""The money rules of docs/money.md, and the three defects of issue 14 that broke them.

Each ``test_defect_*`` failed on the code before the fix (d4ae9d2): a return against a
discounted slip refunded the list amount; a same-day 红冲 was counted but not the slip
it reversed; a void of a sale with a return against it counted the return twice.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Customer, Slip, SlipLine, Stock
from kaidan_tui.db.queries import accounts
from kaidan_tui.domain import clock
from kaidan_tui.domain.capitals import amount_in_capitals
from kaidan_tui.domain.discount import allocate
from kaidan_tui.domain.enums import PriceSource, SlipType
from kaidan_tui.domain.errors import StateError
from kaidan_tui.services import (
    daily,
    daily_export,
    documents,
    lifecycle,
    lookup,
    quotes,
    slips,
)
from kaidan_tui.services.users import UserInfo

D = Decimal
REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.also_postgres


# -- rule 1: the allocation ------------------------------------------------------------


def test_allocation_of_the_issue_example() -> None:
    assert allocate([D("300.00"), D("200.00"), D("14.00")], D("25.70"), gifts=[False] * 3) == [
        D("15.00"),
        D("10.00"),
        D("0.70"),
    ]


def test_largest_remainder_and_ties_go_to_the_earlier_line() -> None:
    # 0.10 over three equal lines: 0.0333… each, the fen left over go to lines 1 then 2.
    assert allocate([D("1.00")] * 3, D("0.10"), gifts=[False] * 3) == [
        D("0.04"),
        D("0.03"),
        D("0.03"),
    ]
    # The gift gets nothing, whatever its place.
    assert allocate([D("0.00"), D("10.00"), D("30.00")], D("1.00"), gifts=[True, False, False]) == [
        D("0.00"),
        D("0.25"),
        D("0.75"),
    ]


amounts = st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2)


@given(
    lines=st.lists(st.tuples(amounts, st.booleans()), min_size=1, max_size=12),
    rate=st.decimals(min_value=D("0"), max_value=D("1"), places=4),
)
def test_shares_add_up_to_the_discount_and_stay_pro_rata(
    lines: list[tuple[Decimal, bool]], rate: Decimal
) -> None:
    values = [D("0.00") if gift else a for a, gift in lines]
    gifts = [gift for _a, gift in lines]
    base = sum((v for v, g in zip(values, gifts, strict=True) if not g), D("0.00"))
    discount = (base * rate).quantize(D("0.01"))
    if base == 0:
        discount = D("0.00")
    shares = allocate(values, discount, gifts=gifts)
    assert sum(shares, D("0.00")) == discount
    for value, gift, share in zip(values, gifts, shares, strict=True):
        assert share >= 0 and share <= value
        if gift:
            assert share == 0
        else:  # within a fen of the exact share
            assert abs(share - discount * value / base) < D("0.01")


# -- helpers -------------------------------------------------------------------------------


def sale_514(db: Database, clerk: UserInfo, boss: UserInfo, *, settlement: str = "现款") -> str:
    """The issue's slip: 300.00 + 200.00 + 14.00 = 514.00, 95折 → 488.30 paid."""
    order = slips.SlipIn(
        customer="K0001",
        settlement=settlement,
        delivery="张师傅",
        discount="95折",
        lines=[
            slips.LineIn(product="YL0001", qty="6", price="50.00"),
            slips.LineIn(product="YL0004", qty="5", price="40.00"),
            slips.LineIn(product="LS0001", qty="1", price="14.00"),
        ],
    )
    posted = slips.post(db, order, user=clerk, approver=boss)
    assert posted.total_amount == D("488.30")
    return posted.number


def return_of(against: str, *lines: tuple[str, str], settlement: str | None = None) -> slips.SlipIn:
    return slips.SlipIn(
        type=SlipType.RETURN,
        customer="K0001",
        settlement=settlement,
        against=against,
        lines=[slips.LineIn(product=p, qty=q) for p, q in lines],
    )


def cash_of(db: Database, driver: str) -> Decimal:
    rep = daily.report(db, clock.today(), ledger="KD")
    return next(d.expected for d in rep.drivers if d.driver == driver)


# -- defect 1: a return against a discounted slip ---------------------------------------------


def test_defect_1_a_full_return_refunds_what_was_paid(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    sale = sale_514(demo_db, clerk, supervisor)
    before = cash_of(demo_db, "张师傅")
    order = return_of(sale, ("YL0001", "6"), ("YL0004", "5"), ("LS0001", "1"))
    with demo_db.read() as s:
        prep = slips.prepare(s, order)  # what the return panel shows
    assert prep.total_amount == D("488.30")
    assert prep.settlement.value == "现款"  # the original's settlement
    posted = slips.post(demo_db, order, user=clerk)
    assert posted.total_amount == D("488.30")  # not 514.00
    # The return comes back with the slip's driver, whose cash goes down by the refund.
    assert cash_of(demo_db, "张师傅") == before - D("488.30")


def test_a_line_returned_in_parts_never_refunds_a_fen_more_than_was_paid(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    sale = sale_514(demo_db, clerk, supervisor)
    # LS0001 was paid 13.30 for 1; YL0004 190.00 for 5; YL0001 285.00 for 6.
    refunds = []
    for qty in ("1", "2", "3"):  # 6 in three parts: 47.50, 95.00, then what is left
        refunds.append(slips.post(demo_db, return_of(sale, ("YL0001", qty)), user=clerk))
    assert [r.total_amount for r in refunds] == [D("47.50"), D("95.00"), D("142.50")]
    assert sum(r.total_amount for r in refunds) == D("285.00")
    # 5 paid 190.00: 38.00 each, then 3 more = what is left.
    a = slips.post(demo_db, return_of(sale, ("YL0004", "2")), user=clerk)
    b = slips.post(demo_db, return_of(sale, ("YL0004", "3")), user=clerk)
    assert a.total_amount + b.total_amount == D("190.00")


def test_the_last_unit_settles_a_line_whose_unit_price_does_not_divide(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    order = slips.SlipIn(
        customer="K0001",
        settlement="现款",
        discount="-1.00",
        lines=[slips.LineIn(product="YL0001", qty="3", price="10.00")],
    )
    sale = slips.post(demo_db, order, user=clerk, approver=supervisor).number  # 29.00 paid
    first = slips.post(demo_db, return_of(sale, ("YL0001", "1")), user=clerk)
    second = slips.post(demo_db, return_of(sale, ("YL0001", "1")), user=clerk)
    last = slips.post(demo_db, return_of(sale, ("YL0001", "1")), user=clerk)
    assert (first.total_amount, second.total_amount, last.total_amount) == (
        D("9.67"),
        D("9.67"),
        D("9.66"),
    )


def test_f7_in_the_lookup_loads_the_paid_price(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    sale = sale_514(demo_db, clerk, supervisor)
    order = lookup.slip_as_input(demo_db, sale, returning=True)
    assert [ln.price for ln in order.lines] == ["47.50", "38.00", "13.30"]
    assert slips.post(demo_db, order, user=clerk).total_amount == D("488.30")


def test_a_typed_price_above_the_paid_price_needs_a_supervisor(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    sale = sale_514(demo_db, clerk, supervisor)
    order = return_of(sale, ("YL0001", "1"))
    order.lines[0].price = "50.00"  # the list price, above the 47.50 paid
    with demo_db.read() as s:
        prep = slips.prepare(s, order)
    assert [i.kind for i in prep.blocking] == ["return_price_high"]
    assert prep.total_amount == D("50.00")


def test_a_free_standing_return_refunds_the_last_price_not_todays_policy(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    """Found by the reference ledger: a return without a slip took the policy price (the
    screen prefilled it too), though the customer had last paid another."""
    sold = slips.SlipIn(customer="K0001", lines=[slips.LineIn(product="YL0001", qty="2",
                                                              price="60.00")])  # fmt: skip
    slips.post(demo_db, sold, user=clerk, approver=supervisor)  # off policy: approved
    back = slips.SlipIn(type=SlipType.RETURN, customer="K0001",
                        lines=[slips.LineIn(product="YL0001", qty="1")])  # fmt: skip
    with demo_db.read() as s:
        prep = slips.prepare(s, back)
    assert [(ln.price, ln.amount) for ln in prep.lines] == [(D("60.00"), D("60.00"))]
    assert prep.blocking == []  # the last price itself needs no approval
    quoted = quotes.quote(demo_db, "K0001", "YL0001", SlipType.RETURN)
    assert (quoted.price, quoted.source) == (D("60.00"), PriceSource.LAST)
    assert quotes.quote(demo_db, "K0001", "YL0001").price != D("60.00")  # a sale: policy


def test_the_printed_return_names_its_original(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    sale = sale_514(demo_db, clerk, supervisor)
    posted = slips.post(demo_db, return_of(sale, ("LS0001", "1")), user=clerk)
    with demo_db.read() as s:
        doc = documents.slip_document(s, posted.slip_id)
    assert doc.reference == f"原单：{sale}"
    assert doc.total_amount == D("-13.30")


def test_cli_return_against_a_discounted_slip(store: str, tmp_path: Path) -> None:
    """The issue's reproduction, through ``kaidan order import`` (policy prices, and a
    free discount raised so that the 95折 needs no approval)."""
    raised = _kaidan("settings", "set", "free_discount", "1000", "--supervisor", "8001",
                     "--pin-stdin", "--db", store, stdin="8888\n")  # fmt: skip
    assert raised.returncode == 0, raised.stderr
    products = ("YL0001", "6"), ("YL0004", "5"), ("LS0001", "1")
    lines = [{"product": p, "qty": q} for p, q in products]
    sale = tmp_path / "sale.json"
    sale.write_text(json.dumps([{"customer": "K0001", "settlement": "现款",
                                 "discount": "95折", "lines": lines}]))  # fmt: skip
    run = _kaidan("order", "import", str(sale), "--db", store, "--user", "1001")
    assert run.returncode == 0, run.stderr
    number = run.stdout.split()[0]
    ret = tmp_path / "ret.json"
    ret.write_text(json.dumps([{"customer": "K0001", "type": "return", "against": number,
                                "lines": lines}]))  # fmt: skip
    back = _kaidan("order", "import", str(ret), "--db", store, "--user", "1001")
    assert back.returncode == 0, back.stderr
    db = Database.open(store)
    with db.read() as s:
        sold = s.exec(select(Slip).where(Slip.number == number)).one()
        returned = s.exec(select(Slip).where(Slip.number == back.stdout.split()[0])).one()
    db.dispose()
    assert sold.discount_amount > 0
    assert returned.total_amount == sold.total_amount  # what was paid, not the subtotal


def _kaidan(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kaidan_tui.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )


# -- defect 2: a same-day 红冲 ----------------------------------------------------------------


def test_defect_2_a_sale_and_its_same_day_reversal_net_to_zero(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    today = clock.today()
    before = daily_export.to_json(daily.report(demo_db, today, ledger="KD"))

    def credit(price: str) -> str:
        order = slips.SlipIn(
            customer="K0005",
            settlement="月结",
            lines=[slips.LineIn(product="YL0001", qty="10", price=price)],
        )
        return slips.post(demo_db, order, user=clerk, approver=supervisor).number

    big = credit("52.00")  # 520.00
    credit("9.00")  # 90.00
    lifecycle.reverse(demo_db, big, reason="客户退单", user=clerk, approver=supervisor)
    after = daily_export.to_json(daily.report(demo_db, today, ledger="KD"))

    def amount(shape: dict[str, object], part: str, key: str) -> Decimal:
        fig = shape[part].get(key)  # type: ignore[attr-defined]
        return D(fig["amount"]) if fig else D("0.00")

    assert amount(after, "by_settlement", "月结") - amount(before, "by_settlement", "月结") == D(
        "90.00"
    )
    with demo_db.read() as s:
        channel = s.exec(select(Customer.channel).where(Customer.code == "K0005")).one()
    assert amount(after, "by_channel", channel) - amount(before, "by_channel", channel) == D(
        "90.00"
    )


# -- defect 3: a void of a sale with a return against it --------------------------------------


def _stock(db: Database, code: str) -> Decimal:
    from kaidan_tui.db.models import Product

    with db.read() as s:
        pid = s.exec(select(Product.id).where(Product.code == code)).one()
        return sum((r.qty for r in s.exec(select(Stock).where(Stock.product_id == pid))), D(0))


def _balance(db: Database, code: str) -> Decimal:
    with db.read() as s:
        cid = s.exec(select(Customer.id).where(Customer.code == code)).one()
        assert cid is not None
        return accounts.balance(s, cid)


def test_defect_3_a_sale_with_a_return_against_it_is_not_voided_or_reversed(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    stock0, balance0 = _stock(demo_db, "YL0001"), _balance(demo_db, "K0005")
    order = slips.SlipIn(
        customer="K0005",
        settlement="月结",
        lines=[slips.LineIn(product="YL0001", qty="10", price="52.00")],
    )
    sale = slips.post(demo_db, order, user=clerk, approver=supervisor).number
    back = slips.SlipIn(
        type=SlipType.RETURN,
        customer="K0005",
        settlement="月结",  # as the issue's steps (and as it settles by default now)
        against=sale,
        lines=[slips.LineIn(product="YL0001", qty="4")],
    )
    ret = slips.post(demo_db, back, user=clerk).number
    assert _stock(demo_db, "YL0001") == stock0 - 6
    assert _balance(demo_db, "K0005") == balance0 + D("312.00")
    refused = []
    for undo in (lifecycle.void, lifecycle.reverse):
        try:
            undo(demo_db, sale, reason="开错了", user=clerk, approver=supervisor)
        except StateError as exc:
            refused.append(str(exc))
        # Whatever the app did, the return must not count twice: before the fix the void
        # took stock to stock0 + 4 and the balance to balance0 − 208.00.
        assert _stock(demo_db, "YL0001") == stock0 - 6
        assert _balance(demo_db, "K0005") == balance0 + D("312.00")
    assert len(refused) == 2  # the rule chosen (docs/money.md): refused, naming the returns
    assert all(re.search(rf"已有退货单 {ret}.*请先红冲或作废这些退货单", m) for m in refused)
    # Undo the return first, then the sale: back exactly where we started.
    lifecycle.void(demo_db, ret, reason="退货开错", user=clerk, approver=supervisor)
    lifecycle.void(demo_db, sale, reason="开错了", user=clerk, approver=supervisor)
    assert _stock(demo_db, "YL0001") == stock0
    assert _balance(demo_db, "K0005") == balance0


# -- the printed 红冲 of a discounted slip ---------------------------------------------------


def test_the_reversal_of_a_discounted_slip_prints_its_discount_back(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    sale = sale_514(demo_db, clerk, supervisor)
    red = lifecycle.reverse(demo_db, sale, reason="客户退单", user=clerk, approver=supervisor)
    with demo_db.read() as s:
        slip = s.exec(select(Slip).where(Slip.number == red.reversal_number)).one()
        assert slip.id is not None
        doc = documents.slip_document(s, slip.id)
        paid = [ln.paid for ln in s.exec(select(SlipLine).where(SlipLine.slip_id == slip.id))]
    assert doc.total_amount == D("-488.30") and doc.discount_amount == D("-25.70")
    assert sum(ln.amount for ln in doc.lines) == D("-514.00")
    assert sorted(paid) == [D("-285.00"), D("-190.00"), D("-13.30")]
    from kaidan_tui.printing.layout import _totals_rows

    text = "\n".join(r.text for r in _totals_rows(doc, 80))
    assert "合计金额：￥-514.00" in text and "整单优惠：25.70" in text
    assert "实收金额：￥-488.30" in text and amount_in_capitals(D("-488.30")) in text


# -- rule 5: a store closed by the previous version ------------------------------------------


@pytest.mark.sqlite_only
def test_recheck_finds_the_day_the_previous_version_closed_wrong(tmp_path: Path) -> None:
    data = REPO / "tests" / "data"
    store = tmp_path / "v4.db"
    pepper = tmp_path / "pepper"
    shutil.copy(data / "v4_closed_day.db", store)
    shutil.copy(data / "v4_pepper", pepper)
    pepper.chmod(0o600)
    env = {**os.environ, "KAIDAN_PEPPER_FILE": str(pepper)}

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kaidan_tui.cli", *args, "--db", str(store)],
            input=stdin, capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip

    assert run("db", "upgrade").returncode == 0
    # The upgrade spread the old 95折 slip's discount over its lines.
    db = Database.open(str(store))
    with db.read() as s:
        slip = s.exec(select(Slip).where(Slip.number == "XS20260007")).one()
        paid = [ln.paid for ln in s.exec(select(SlipLine).where(SlipLine.slip_id == slip.id))]
    db.dispose()
    assert sorted(paid) == [D("13.30"), D("190.00"), D("285.00")]

    check = run("day", "recheck", "--date", "2026-12-05")
    assert check.returncode == 3, check.stderr
    assert "by_settlement.月结.amount：3878.00 → 4398.00" in check.stdout
    assert "by_channel.直销.amount：432.00 → 952.00" in check.stdout
    assert "products.JS0015.amount：300.00 → 285.00" in check.stdout
    assert "by_settlement.现款" not in check.stdout  # what was right is not listed

    refused = run("day", "recheck", "--date", "2026-12-05", "--record")
    assert refused.returncode == 2 and "主管" in refused.stderr
    recorded = run("day", "recheck", "--date", "2026-12-05", "--record",
                   "--supervisor", "8001", "--pin-stdin", stdin="8888\n")  # fmt: skip
    assert recorded.returncode == 0, recorded.stderr
    assert "已记录更正：KD 2026-12-05（原日结不变）" in recorded.stdout
    again = run("day", "recheck", "--date", "2026-12-05")
    assert again.returncode == 0 and "已记录更正" in again.stdout

    db = Database.open(str(store))
    with db.read() as s:
        from kaidan_tui.db.models import DayClose, DayRecheck

        [closed] = s.exec(select(DayClose)).all()
        [fix] = s.exec(select(DayRecheck)).all()
    assert json.loads(closed.totals)["by_settlement"]["月结"]["amount"] == "3878.00"  # kept
    assert json.loads(fix.totals)["by_settlement"]["月结"]["amount"] == "4398.00"
    from kaidan_tui.services.recheck import z_block

    z = z_block(db, closed.business_date, ledger="KD")
    db.dispose()
    assert z[0].startswith("Z 报表（日结） 2026-12-05")
    assert any(line.startswith(f"更正 #{fix.id}") and "王建华" in line for line in z)
    assert "  by_settlement.月结.amount：3878.00 → 4398.00" in z
    assert run("audit", "verify").returncode == 0


def test_the_upgrade_spreads_old_discounts_as_posting_does(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    """Migration 0007 gives slips posted before it the same ``paid`` values as posting
    gives them now, the 红冲 of a discounted slip included (both databases)."""
    from alembic import command
    from sqlalchemy import text

    from kaidan_tui.db.migrate import alembic_config, upgrade

    sale = sale_514(demo_db, clerk, supervisor)
    other = sale_514(demo_db, clerk, supervisor)
    lifecycle.reverse(demo_db, other, reason="客户退单", user=clerk, approver=supervisor)

    def paid() -> list[tuple[str, int, Decimal]]:
        with demo_db.read() as s:
            rows = s.exec(
                select(Slip.number, SlipLine.line_no, SlipLine.paid)
                .join(Slip, Slip.id == SlipLine.slip_id)  # type: ignore[arg-type]
                .order_by(Slip.number, SlipLine.line_no)  # type: ignore[arg-type]
            ).all()
        return [(n or "", line_no, p) for n, line_no, p in rows]

    before = paid()
    assert (sale, 1, D("285.00")) in before
    cfg = alembic_config()
    with demo_db.engine.execution_options(kaidan_write=True).begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006")
        assert "paid" not in {c["name"] for c in _columns(conn, "slip_line")}
    upgrade(demo_db.engine)
    assert paid() == before
    with pytest.raises(Exception, match="cannot be changed"), demo_db.write() as s:
        s.execute(text("UPDATE slip_line SET paid = 0"))  # the lines' guard is back


def _columns(conn: object, table: str) -> list[dict[str, object]]:
    from sqlalchemy import inspect

    return inspect(conn).get_columns(table)  # type: ignore[arg-type,return-value]
