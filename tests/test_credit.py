"""Credit aging (逾期): FIFO allocation of payments and returns to the oldest credit slips."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from textual.widgets import Static

from kaidan_tui.db.engine import Database
from kaidan_tui.db.queries import accounts
from kaidan_tui.db.queries.catalog import customer_by_code, missing_return_copies
from kaidan_tui.domain.credit import aging
from kaidan_tui.services import day_end, slips
from kaidan_tui.services.users import UserInfo
from kaidan_tui.tui.app import KaidanApp
from tests.test_order_entry import login, type_in

D = Decimal
TODAY = date(2026, 11, 23)


def test_payments_cover_the_oldest_slips_first() -> None:
    charges = [(date(2026, 9, 1), D("100")), (date(2026, 10, 1), D("200")), (TODAY, D("50"))]
    none_paid = aging(charges, D("0"), today=TODAY, term_days=30)
    assert (none_paid.overdue_slips, none_paid.overdue_amount) == (2, D("300"))
    assert none_paid.oldest == date(2026, 9, 1)
    partly = aging(charges, D("150"), today=TODAY, term_days=30)  # Sept paid, Oct half
    assert (partly.overdue_slips, partly.overdue_amount, partly.oldest) == (
        1,
        D("150"),
        date(2026, 10, 1),
    )
    all_paid = aging(charges, D("350"), today=TODAY, term_days=30)
    assert (all_paid.overdue_slips, all_paid.overdue_amount, all_paid.oldest) == (0, D(0), None)


def test_term_boundary() -> None:
    exactly = [(TODAY - timedelta(days=30), D("10"))]
    assert aging(exactly, D(0), today=TODAY, term_days=30).overdue_slips == 0
    older = [(TODAY - timedelta(days=31), D("10"))]
    assert aging(older, D(0), today=TODAY, term_days=30).overdue_slips == 1


async def test_banner_shows_overdue_credit_slips(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    old = date.today() - timedelta(days=45)
    slip_in = slips.SlipIn(
        customer="K0005",
        settlement="月结",
        business_date=old,
        lines=[slips.LineIn(product="YL0001", qty="1")],
    )
    posted = slips.post(demo_db, slip_in, user=clerk, approver=supervisor)  # 补单: approved
    with demo_db.read() as s:
        customer = customer_by_code(s, "K0005")
        assert customer.id is not None
        result = accounts.aging(s, customer.id)
    assert result.overdue_slips >= 1 and result.overdue_amount >= posted.total_amount
    app = KaidanApp(demo_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0005")
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        await pilot.pause()
        banner = str(screen.query_one("#credit-banner", Static).render())
        assert f"逾期 {result.overdue_slips} 张" in banner
        with demo_db.read() as s:
            out = missing_return_copies(s, customer.id)
        assert out >= 1 and f"回单未回 {out} 张" in banner  # the 月结 slip's copy is out
    day_end.tick_return_copy(demo_db, posted.number, user=clerk)
    with demo_db.read() as s:
        assert missing_return_copies(s, customer.id) == out - 1
