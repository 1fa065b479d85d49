"""外欠 kept by triggers: the kept balance always equals the one summed from history, and
aging read from it gives the same answer as FIFO over every slip."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest
from alembic import command
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session

from kaidan_tui.db.engine import Database
from kaidan_tui.db.migrate import alembic_config, upgrade
from kaidan_tui.db.models import Customer, Payment
from kaidan_tui.db.queries import accounts
from kaidan_tui.db.queries.catalog import customer_by_code
from kaidan_tui.domain.credit import aging, open_newest, overdue_count
from kaidan_tui.domain.enums import CREDIT_SETTLEMENTS, SlipStatus, SlipType
from kaidan_tui.services import lifecycle, slips
from kaidan_tui.services.slips import LineIn, SlipIn
from kaidan_tui.services.users import UserInfo
from tests.test_daily import build_day

pytestmark = pytest.mark.also_postgres

D = Decimal
TODAY = date(2026, 11, 20)
KEPT = "balance, charged, charge_count"


def kept(s: Session) -> dict[int, tuple[int, int, int]]:
    """Every account that is not all zero: (balance, charged, charge_count)."""
    rows = s.execute(
        text("SELECT customer_id, balance, charged, charge_count FROM customer_account")
    )
    return {c: (b, ch, n) for c, b, ch, n in rows if (b, ch, n) != (0, 0, 0)}


def _history(db: Database, code: str, day: date) -> tuple[Decimal, list[tuple[date, Decimal]]]:
    """Balance and charges summed here from the raw rows, independently of the service."""
    with db.read() as s:
        rows = s.execute(
            text(
                "SELECT t.type, t.status, t.settlement, t.business_date, t.total_amount, "
                "o.type FROM slip t LEFT JOIN slip o ON o.id = t.reverses_id "
                "JOIN customer c ON c.id = t.customer_id WHERE c.code = :c ORDER BY "
                "t.business_date, t.id"
            ),
            {"c": code},
        ).all()
        paid = s.execute(
            text(
                "SELECT COALESCE(SUM(amount), 0) FROM payment JOIN customer c "
                "ON c.id = payment.customer_id WHERE c.code = :c"
            ),
            {"c": code},
        ).scalar_one()
    credit = {s.value for s in CREDIT_SETTLEMENTS}
    owed, charges = D(0), []
    for kind, status, settlement, when, fen, reversed_kind in rows:
        if status not in (SlipStatus.POSTED, SlipStatus.REVERSED) or settlement not in credit:
            continue
        # a 红冲 stores its original's figures negated, and counts only if that carried money
        sign = {"sale": 1, "return": -1}.get(kind, int(reversed_kind in ("sale", "return")))
        signed = D(fen) / 100 * sign
        owed += signed
        if signed > 0:
            charges.append((date.fromisoformat(str(when)), signed))
    return owed - D(paid) / 100, charges


def test_kept_balance_follows_every_kind_of_change(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    build_day(demo_db, clerk, supervisor)  # posts, a void, a 红冲, a return, a payment
    sale = slips.post(
        demo_db,
        SlipIn(customer="K0005", settlement="月结", lines=[LineIn(product="YL0001", qty="2")]),
        user=clerk,
        approver=supervisor,
    )
    changed = SlipIn(customer="K0005", settlement="现款", lines=[LineIn(product="YL0001", qty="1")])
    lifecycle.replace(demo_db, sale.number, changed, reason="改单", user=clerk,
                      approver=supervisor)  # fmt: skip
    with demo_db.read() as s:
        assert accounts.check_balances(s) == []
        for c in s.exec(Customer.__table__.select()).all():  # type: ignore[attr-defined]
            assert accounts.balance(s, c.id) == accounts.balance_from_history(s, c.id)
        k5 = customer_by_code(s, "K0005")
        assert k5.id is not None
        kept = accounts.balance(s, k5.id)
    assert kept == _history(demo_db, "K0005", TODAY)[0]
    assert kept > 0


def test_upgrade_sums_the_history_into_the_account(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    build_day(demo_db, clerk, supervisor)
    with demo_db.read() as s:
        before = kept(s)
    cfg = alembic_config()
    with demo_db.engine.execution_options(kaidan_write=True).begin() as conn:
        cfg.attributes["connection"] = conn  # type: ignore[attr-defined]
        command.downgrade(cfg, "0005")  # type: ignore[arg-type]
    upgrade(demo_db.engine)
    with demo_db.read() as s:
        after = kept(s)
        assert accounts.check_balances(s) == []
    assert after == before and after


def test_account_rows_are_never_deleted(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    build_day(demo_db, clerk, supervisor)
    with pytest.raises(DatabaseError, match="never deleted"), demo_db.write() as s:
        s.execute(text("DELETE FROM customer_account"))


def test_overdue_customers_match_fifo_over_the_whole_history(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    today = date.today()
    old = [today - timedelta(days=n) for n in (90, 75, 60, 45)]
    for when in old:  # four old 月结 sales, then part of them paid
        slips.post(demo_db, SlipIn(customer="K0007", settlement="月结", business_date=when,
                                   lines=[LineIn(product="YL0001", qty="3")]),
                   user=clerk, approver=supervisor)  # fmt: skip
    slips.post(demo_db, SlipIn(customer="K0007", settlement="月结",
                               lines=[LineIn(product="YL0001", qty="1")]),
               user=clerk, approver=supervisor)  # fmt: skip
    owed, charges = _history(demo_db, "K0007", today)
    with demo_db.write() as s:
        k7 = customer_by_code(s, "K0007")
        s.add(Payment(ledger_id=1, customer_id=k7.id or 0, amount=charges[0][1] * D("1.5"),
                      method="转账", business_date=today, user_id=clerk.id))  # fmt: skip
    owed, charges = _history(demo_db, "K0007", today)
    paid = sum(c for _d, c in charges) - owed
    expected = aging(charges, paid, today=today, term_days=30)
    assert expected.overdue_slips == 3  # the oldest paid, the second half paid
    with demo_db.read() as s:
        got = next(a for a in accounts.to_chase(s, today) if a.code == "K0007")
        one = accounts.aging(s, k7.id or 0, today=today)
    assert (got.overdue_slips, got.overdue_amount, got.balance) == (
        expected.overdue_slips,
        expected.overdue_amount,
        owed,
    )
    assert one == expected


charge_lists = st.lists(
    st.tuples(
        st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)),
        st.decimals(min_value=D("0.01"), max_value=D("9999.99"), places=2),
    ),
    max_size=30,
)


@given(
    charge_lists, st.decimals(min_value=D(0), max_value=D("99999"), places=2), st.integers(0, 90)
)
@settings(max_examples=300, deadline=None)
def test_reading_from_either_end_agrees_with_fifo(
    charges: list[tuple[date, Decimal]], paid: Decimal, term: int
) -> None:
    ordered = sorted(charges, key=lambda c: c[0])  # one order for ties, as the store's id order
    paid = min(paid, sum((v for _d, v in charges), D(0)))
    reference = aging(ordered, paid, today=TODAY, term_days=term)
    balance = sum((v for _d, v in charges), D(0)) - paid
    due_before = TODAY - timedelta(days=term)
    assert open_newest(balance, reversed(ordered), due_before=due_before) == reference

    old = [c for c in ordered if c[0] < due_before]
    recent = sum((v for d, v in ordered if d >= due_before), D(0))
    overdue = max(balance - recent, D(0))
    assert overdue == reference.overdue_amount
    count = overdue_count(
        overdue,
        sum((v for _d, v in old), D(0)),
        len(old),
        newest_old=lambda: reversed(old),
        oldest_old=lambda: iter(old),
    )
    assert count == reference.overdue_slips


_LATER_COLUMNS = {  # slip columns of migrations after 0008 (0010)
    "input_digest": "VARCHAR(64)",
    "claim_token": "VARCHAR(32)",
    "claim_counter": "VARCHAR(64)",
    "claim_user_id": "INTEGER",
    "claimed_at": "TIMESTAMP",
}


@contextmanager
def _later_slip_columns(db: Database) -> Iterator[None]:
    """Posting with today's code on a store downgraded below them: the columns it
    writes are there while it posts, and gone again before the upgrade adds them."""
    with db.engine.execution_options(kaidan_write=True).begin() as conn:
        for name, type_ in _LATER_COLUMNS.items():
            conn.execute(text(f"ALTER TABLE slip ADD COLUMN {name} {type_}"))
    yield
    with db.engine.execution_options(kaidan_write=True).begin() as conn:
        for name in _LATER_COLUMNS:
            conn.execute(text(f"ALTER TABLE slip DROP COLUMN {name}"))


def _stock_in_reversed(db: Database, clerk: UserInfo, supervisor: UserInfo) -> int:
    """A stock-in made out to a 月结 customer, then its 红冲; returns the customer's id."""
    taken = SlipIn(type=SlipType.STOCK_IN, customer="K0007",
                   lines=[LineIn(product="YL0001", qty="5", price="40.00")])  # fmt: skip
    posted = slips.post(db, taken, user=clerk, approver=supervisor)
    lifecycle.reverse(db, posted.number, reason="入错了", user=clerk, approver=supervisor)
    with db.read() as s:
        k7 = customer_by_code(s, "K0007")
        assert k7.id is not None
        return k7.id


def test_the_reversal_of_a_stock_in_leaves_the_balance_alone(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    """Found by the reference ledger: the 红冲 of a stock-in (which carries no money) took
    ￥200.00 off the customer's balance."""
    k7 = _stock_in_reversed(demo_db, clerk, supervisor)
    with demo_db.read() as s:
        assert accounts.balance(s, k7) == accounts.balance_from_history(s, k7) == 0
        assert accounts.check_balances(s) == []


def test_upgrade_to_0008_corrects_a_balance_moved_by_such_a_reversal(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    cfg = alembic_config()
    with demo_db.engine.execution_options(kaidan_write=True).begin() as conn:
        cfg.attributes["connection"] = conn  # type: ignore[attr-defined]
        command.downgrade(cfg, "0007")  # type: ignore[arg-type]
    with _later_slip_columns(demo_db):  # today's code writes them; 0007 had none
        k7 = _stock_in_reversed(demo_db, clerk, supervisor)  # posted under 0007's triggers
    with demo_db.read() as s:
        assert accounts.balance(s, k7) == D("-200.00")  # the old, wrong figure
    upgrade(demo_db.engine)
    with demo_db.read() as s:
        assert accounts.balance(s, k7) == 0
        assert accounts.check_balances(s) == []
