"""Returns against a slip: only what was sold, minus what already came back, at the
price paid (D10)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Slip, SlipLine
from kaidan_tui.domain.enums import SlipType
from kaidan_tui.domain.errors import InputError, PolicyViolation
from kaidan_tui.services import lifecycle, slips
from kaidan_tui.services.users import UserInfo

D = Decimal


def sell(db: Database, clerk: UserInfo, supervisor: UserInfo) -> str:
    """5 × YL0001 at 50.00 (a manual price, approved) and 2 × LS0001 for K0005."""
    order = slips.SlipIn(
        customer="K0005",
        settlement="月结",
        lines=[
            slips.LineIn(product="YL0001", qty="5", price="50.00"),
            slips.LineIn(product="LS0001", qty="2"),
        ],
    )
    return slips.post(db, order, user=clerk, approver=supervisor).number


def ret(against: str, product: str, qty: str, price: str | None = None) -> slips.SlipIn:
    return slips.SlipIn(
        type=SlipType.RETURN,
        customer="K0005",
        settlement="月结",
        against=against,
        lines=[slips.LineIn(product=product, qty=qty, price=price)],
    )


def test_return_is_capped_by_what_was_sold_and_already_returned(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    sale = sell(demo_db, clerk, supervisor)
    first = slips.post(demo_db, ret(sale, "YL0001", "3"), user=clerk)
    with demo_db.read() as s:
        slip = s.exec(select(Slip).where(Slip.number == first.number)).one()
        [line] = s.exec(select(SlipLine).where(SlipLine.slip_id == slip.id)).all()
        original = s.exec(select(Slip).where(Slip.number == sale)).one()
    assert line.price == D("50.00")  # the price paid, not today's policy price
    assert slip.against_id == original.id
    with pytest.raises(InputError, match=r"最多可退 2箱（原单 .* 售出 5，已退 3），本单退 3"):
        slips.post(demo_db, ret(sale, "YL0001", "3"), user=clerk)
    slips.post(demo_db, ret(sale, "YL0001", "2"), user=clerk)
    with pytest.raises(InputError, match="最多可退 0"):
        slips.post(demo_db, ret(sale, "YL0001", "1"), user=clerk)


def test_return_against_checks_the_slip_and_the_product(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    with pytest.raises(InputError, match="找不到销售单 XS29990001"):
        slips.post(demo_db, ret("XS29990001", "YL0001", "1"), user=clerk)
    sale = sell(demo_db, clerk, supervisor)
    with pytest.raises(InputError, match="没有商品「YL0024"):
        slips.post(demo_db, ret(sale, "YL0024", "1"), user=clerk)  # not on that slip
    other = slips.SlipIn(type=SlipType.RETURN, customer="K0001", against=sale,
                         lines=[slips.LineIn(product="YL0001", qty="1")])  # fmt: skip
    with pytest.raises(InputError, match="不是这个客户的单"):
        slips.post(demo_db, other, user=clerk)
    with pytest.raises(PolicyViolation, match="高于"):  # above the price paid: approval
        slips.post(demo_db, ret(sale, "YL0001", "1", price="999.00"), user=clerk)
    lifecycle.void(demo_db, sale, reason="测试作废", user=clerk, approver=supervisor)
    with pytest.raises(InputError, match="已作废，不能再退货"):
        slips.post(demo_db, ret(sale, "YL0001", "1"), user=clerk)


def test_a_refund_that_is_not_qty_times_price_says_why(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    """A sale with 抹零: returning part of it refunds the share paid, which is not the
    unit price × qty shown; the line says so (the hostile trial: 3 × 51.98 = 155.95)."""
    from kaidan_tui.services import quotes

    order = slips.SlipIn(
        customer="K0005",
        settlement="月结",
        discount="-5",
        lines=[slips.LineIn(product="YL0001", qty="7", price="52.00")],
    )
    sale = slips.post(demo_db, order, user=clerk, approver=supervisor).number
    check = quotes.check(demo_db, ret(sale, "YL0001", "3"))
    assert check.error is None, check.error
    [amount] = check.amounts
    [note] = [i for i in check.issues if i.kind == "refund_pro_rata"]
    assert not note.blocking and not note.needs_approval
    assert (
        note.message
        == f"第1行退款 {amount} 按原单实付分摊（原单有整单优惠或抹零），不等于 3 × 51.29"
    )
    whole = quotes.check(demo_db, ret(sale, "YL0001", "7"))  # the rest: exactly what is left
    assert whole.amounts == (D("359.00"),)
