"""Posting, holding, approvals, idempotency and the never-delete guarantees."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import AuditLog, Slip, SlipLine, SlipLineCode, Stock, StockMovement
from kaidan_tui.db.queries import accounts
from kaidan_tui.db.queries.catalog import customer_by_code, product_by_code
from kaidan_tui.domain.errors import InputError, PermissionDenied, PolicyViolation, StateError
from kaidan_tui.services import audit, slips, users
from kaidan_tui.services.slips import LineIn, SlipIn
from kaidan_tui.services.users import UserInfo

pytestmark = pytest.mark.also_postgres

D = Decimal


def _stock(db: Database, code: str) -> Decimal:
    with db.read() as s:
        p = product_by_code(s, code)
        row = s.get(Stock, (p.id, 1))
        return row.qty if row else D(0)


def _sale(**kw: object) -> SlipIn:
    base: dict[str, object] = {
        "customer": "K0015",
        "lines": [LineIn(product="YL0001", qty="3"), LineIn(product="LS0001", qty="2")],
    }
    base.update(kw)
    return SlipIn.model_validate(base)


def test_post_numbers_moves_stock_and_audits(demo_db: Database, clerk: UserInfo) -> None:
    before = _stock(demo_db, "YL0001")
    res = slips.post(demo_db, _sale(), user=clerk)
    assert res.number.startswith("XS2026")
    with demo_db.read() as s:
        slip = s.get(Slip, res.slip_id)
        assert slip is not None and slip.status == "posted" and slip.cust_code == "K0015"
        lines = s.exec(select(SlipLine).where(SlipLine.slip_id == res.slip_id)).all()
        assert slip.total_amount == sum(ln.amount for ln in lines) == res.total_amount
        assert all(ln.price_source in ("agreed", "tier") for ln in lines)
        assert s.exec(select(AuditLog).where(AuditLog.entity_id == res.slip_id)).first()
        assert audit.verify_chain(s).broken_at is None
        movements = s.exec(select(StockMovement).where(StockMovement.slip_id == res.slip_id)).all()
        assert sorted(m.qty for m in movements) == [D(-3), D(-2)]
    assert _stock(demo_db, "YL0001") == before - 3


def test_idempotency_key_never_makes_a_second_slip(demo_db: Database, clerk: UserInfo) -> None:
    first = slips.post(demo_db, _sale(idempotency_key="tab-1"), user=clerk)
    again = slips.post(demo_db, _sale(idempotency_key="tab-1"), user=clerk)
    assert again.already_posted and again.number == first.number
    with demo_db.read() as s:
        assert len(s.exec(select(Slip).where(Slip.idempotency_key == "tab-1")).all()) == 1


def test_below_floor_needs_a_supervisor(demo_db: Database, clerk: UserInfo) -> None:
    order = _sale(lines=[LineIn(product="RH0013", qty="1", price="125.00")])
    with pytest.raises(PolicyViolation) as err:
        slips.post(demo_db, order, user=clerk)
    assert err.value.issues[0].kind == "price_below_floor"
    assert "最低限价" in err.value.message
    with pytest.raises(PermissionDenied):
        users.approve(demo_db, "1001", "1234")  # a clerk cannot approve
    with pytest.raises(PermissionDenied):
        users.approve(demo_db, "8001", "0000")
    boss = users.approve(demo_db, "8001", "8888")
    res = slips.post(demo_db, order, user=clerk, approver=boss)
    with demo_db.read() as s:
        line = s.exec(select(SlipLine).where(SlipLine.slip_id == res.slip_id)).one()
        assert line.approved_by_id == boss.id and line.price == D("125.00")
        assert line.price_source == "manual" and "最低限价" in line.approval_reason


def test_hold_and_recall_then_post(demo_db: Database, clerk: UserInfo) -> None:
    held = slips.hold(demo_db, _sale(remarks="电话单"), user=clerk, reasons=["等客户确认"])
    with demo_db.read() as s:
        row = s.get(Slip, held.slip_id)
        assert row is not None and row.number is None and row.status == "held"
    assert next(h.id for h in slips.list_held(demo_db)) == held.slip_id
    again = slips.recall(demo_db, held.slip_id)
    assert again.remarks == "电话单" and len(again.lines) == 2
    res = slips.post(demo_db, again, user=clerk, held_id=held.slip_id)
    assert res.slip_id == held.slip_id and res.number


def test_bad_input_names_line_and_field(demo_db: Database, clerk: UserInfo) -> None:
    with pytest.raises(InputError) as err:
        slips.post(
            demo_db,
            _sale(lines=[LineIn(product="YL0001", qty="1"), LineIn(product="NOPE", qty="1")]),
            user=clerk,
        )
    assert err.value.message.startswith("第2行") and err.value.field == "product"
    with pytest.raises(InputError, match="数量"):
        slips.post(demo_db, _sale(lines=[LineIn(product="YL0001", qty="abc")]), user=clerk)
    with pytest.raises(InputError, match="客户"):
        slips.post(demo_db, _sale(customer=None), user=clerk)
    with pytest.raises(InputError, match="单价不能为 0"):
        slips.post(
            demo_db,
            _sale(type="return", lines=[LineIn(product="YL0001", qty="1", price="0")]),
            user=clerk,
        )
    with demo_db.read() as s:
        assert s.exec(select(Slip).where(Slip.status == "draft")).first() is None


def test_coded_product_needs_trace_codes(demo_db: Database, clerk: UserInfo) -> None:
    with pytest.raises(PolicyViolation, match="瓶码"):
        slips.post(
            demo_db, _sale(customer="K0001", lines=[LineIn(product="JS0051", qty="2")]), user=clerk
        )
    res = slips.post(
        demo_db,
        _sale(
            customer="K0001", lines=[LineIn(product="JS0051", qty="2", trace_codes=["A1", "A2"])]
        ),
        user=clerk,
    )
    with demo_db.read() as s:
        codes = s.exec(
            select(SlipLineCode.code).join(SlipLine).where(SlipLine.slip_id == res.slip_id)
        ).all()
    assert sorted(codes) == ["A1", "A2"]


def test_credit_limit_blocks_then_approval(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    with demo_db.read() as s:
        c = customer_by_code(s, "K0015")
        room = c.credit_limit - accounts.balance(s, c.id or 0)
    qty = str(int(room / D("40")) + 5)
    order = _sale(lines=[LineIn(product="YL0001", qty=qty)])
    with pytest.raises(PolicyViolation, match="信用额度"):
        slips.post(demo_db, order, user=clerk)
    res = slips.post(demo_db, order, user=clerk, approver=supervisor)
    with demo_db.read() as s:
        slip = s.get(Slip, res.slip_id)
        assert slip is not None and slip.approver_id == supervisor.id
        assert accounts.balance(s, slip.customer_id or 0) > slip.total_amount


def test_stock_in_needs_supervisor(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    order = SlipIn(type="stock_in", lines=[LineIn(product="YL0001", qty="10")])
    with pytest.raises(PolicyViolation, match="主管"):
        slips.post(demo_db, order, user=clerk)
    before = _stock(demo_db, "YL0001")
    assert slips.post(demo_db, order, user=clerk, approver=supervisor).number.startswith("RK")
    assert _stock(demo_db, "YL0001") == before + 10


def test_nothing_is_deleted_through_the_orm(demo_db: Database, clerk: UserInfo) -> None:
    res = slips.post(demo_db, _sale(), user=clerk)
    with pytest.raises(StateError, match="不能删除"), demo_db.write() as s:
        slip = s.get(Slip, res.slip_id)
        s.delete(slip)
        s.flush()


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM slip WHERE id = :id",
        "UPDATE slip SET total_amount = total_amount + 100 WHERE id = :id",
        "UPDATE slip SET number = 'XS20269999' WHERE id = :id",
        "UPDATE slip SET status = 'draft' WHERE id = :id",
        "UPDATE slip SET cust_name = '别人' WHERE id = :id",
        "UPDATE slip SET approver_id = NULL, cust_code = 'K0001' WHERE id = :id",
        "UPDATE slip_line SET price = 1 WHERE slip_id = :id",
        "DELETE FROM slip_line WHERE slip_id = :id",
        "INSERT INTO slip_line (slip_id, line_no, product_id, code, name, spec, unit, qty, price, amount, price_source, approval_reason, is_gift, remarks) VALUES (:id, 99, 1, 'X', 'X', '', '', 1000, 100, 100, 'manual', '', FALSE, '')",  # noqa: E501
        "DELETE FROM stock_movement WHERE slip_id = :id",
        "UPDATE audit_log SET detail = '{}'",
        "DELETE FROM audit_log",
        "UPDATE number_counter SET last_seq = last_seq + 5",
        "DELETE FROM customer",
    ],
)
def test_raw_sql_cannot_change_posted_money_or_delete(
    demo_db: Database, clerk: UserInfo, sql: str
) -> None:
    res = slips.post(demo_db, _sale(), user=clerk)
    with pytest.raises(IntegrityError, match="kaidan"), demo_db.write() as s:
        s.execute(text(sql), {"id": res.slip_id})


def test_void_transition_is_allowed_but_not_back(demo_db: Database, clerk: UserInfo) -> None:
    res = slips.post(demo_db, _sale(), user=clerk)
    with pytest.raises(IntegrityError, match="reason"), demo_db.write() as s:
        s.execute(text("UPDATE slip SET status='void' WHERE id=:id"), {"id": res.slip_id})
    with demo_db.write() as s:
        s.execute(
            text(
                "UPDATE slip SET status='void', void_reason='test', voided_by_id=3, "
                "voided_at=posted_at WHERE id=:id"
            ),
            {"id": res.slip_id},
        )
    with pytest.raises(IntegrityError), demo_db.write() as s:
        s.execute(text("UPDATE slip SET status='posted' WHERE id=:id"), {"id": res.slip_id})


def test_audit_chain_detects_tampering(demo_db: Database, clerk: UserInfo) -> None:
    slips.post(demo_db, _sale(), user=clerk)
    with demo_db.write() as s:
        on = "" if demo_db.is_sqlite else " ON audit_log"
        s.execute(text(f"DROP TRIGGER kd_append_only_audit_log{on}"))
        target = s.execute(text("SELECT MIN(id) + 2 FROM audit_log")).scalar()
        s.execute(
            text("UPDATE audit_log SET detail = '{\"forged\": 1}' WHERE id = :i"), {"i": target}
        )
    with demo_db.read() as s:
        assert audit.verify_chain(s).broken_at == target


def test_last_price_and_stock_invariant(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    from sqlalchemy import func

    from kaidan_tui.services.pricing import last_prices, price_facts

    order = _sale(lines=[LineIn(product="YL0002", qty="2", price="60.00")])
    slips.post(demo_db, order, user=clerk, approver=supervisor)
    gift = _sale(lines=[LineIn(product="YL0002", qty="1", is_gift=True)])
    with pytest.raises(PolicyViolation, match="赠品"):
        slips.post(demo_db, gift, user=clerk)  # a free line on a sale needs a supervisor
    slips.post(demo_db, gift, user=clerk, approver=supervisor)
    with demo_db.read() as s:
        cust, prod = customer_by_code(s, "K0015"), product_by_code(s, "YL0002")
        assert price_facts(s, cust, prod).last_price == D("60.00")  # the gift did not count
        assert last_prices(s, cust.id or 0, prod.id or 0)[0].number.startswith("XS")
        on_hand = dict(
            s.execute(
                select(Stock.product_id, func.sum(Stock.qty)).group_by(Stock.product_id)
            ).all()
        )
        moved = dict(
            s.execute(
                select(StockMovement.product_id, func.sum(StockMovement.qty)).group_by(
                    StockMovement.product_id
                )
            ).all()
        )
    assert on_hand == moved  # stock is always the sum of its movements


def test_return_above_price_paid_and_dates(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    from datetime import date, timedelta

    paid = slips.post(demo_db, _sale(lines=[LineIn(product="YL0001", qty="2")]), user=clerk)
    assert paid.number
    high = _sale(type="return", lines=[LineIn(product="YL0001", qty="1", price="999.00")])
    with pytest.raises(PolicyViolation, match="高于客户上次售价"):
        slips.post(demo_db, high, user=clerk)
    with demo_db.read() as s:
        facts_price = slips.prepare(
            s, _sale(type="return", lines=[LineIn(product="YL0001", qty="1")])
        )
    assert facts_price.blocking == []  # the policy price itself is fine
    past = _sale(business_date=date.today() - timedelta(days=30))
    with pytest.raises(PolicyViolation, match="补单"):
        slips.post(demo_db, past, user=clerk)
    assert slips.post(demo_db, past, user=clerk, approver=supervisor).number
    with pytest.raises(InputError, match="未来"):
        slips.post(demo_db, _sale(business_date=date.today() + timedelta(days=1)), user=clerk)


def test_policy_price_below_a_raised_floor_is_caught(demo_db: Database, clerk: UserInfo) -> None:
    from kaidan_tui.db.models import Product

    with demo_db.write() as s:
        p = s.exec(select(Product).where(Product.code == "YL0001")).one()
        p.floor_price = p.list_price  # floor raised above every tier price
        s.add(p)
    with pytest.raises(PolicyViolation, match="低于最低限价"):
        slips.post(demo_db, _sale(lines=[LineIn(product="YL0001", qty="1")]), user=clerk)


def test_store_setup_changed_elsewhere_is_seen_by_the_next_slip(
    demo_db: Database, clerk: UserInfo
) -> None:
    """Ledgers, warehouses and settings are re-read per transaction: no stale cache."""
    from kaidan_tui.services import settings

    big = _sale(settlement="现款", lines=[LineIn(product="YL0003", qty="9999")])
    with demo_db.read() as s:
        warned = slips.prepare(s, big)
    assert [i.kind for i in warned.issues] == ["stock_short"] and warned.blocking == []
    first = slips.post(demo_db, _sale(), user=clerk)
    other = Database(demo_db.url)  # another counter: its own engine and connections
    with other.write() as s:
        settings.put(s, "stock_policy", "block")
        s.execute(text("UPDATE ledger SET number_format = 'N{seq:06d}' WHERE code = 'KD'"))
        s.execute(text("UPDATE warehouse SET is_default = (code = 'EK')"))
    other.dispose()
    with demo_db.read() as s:
        now = slips.prepare(s, big)
    assert [i.kind for i in now.blocking] == ["stock_short"]
    assert now.warehouse.code == "EK"
    second = slips.post(demo_db, _sale(warehouse="ZC"), user=clerk)
    assert first.number.startswith("XS2026")
    assert second.number == f"N{int(first.number[-4:]) + 1:06d}"


def test_match_list_offers_are_the_slips_own_price_and_stock(
    demo_db: Database, clerk: UserInfo
) -> None:
    """The product match list shows what the line would get: this customer's policy price,
    the price they paid last time, and the stock of the warehouse the slip draws from
    (YL0002 lies in two; a sale takes from the default one only)."""
    from kaidan_tui.services import quotes
    from kaidan_tui.services.catalog import search_products

    [yl2] = search_products(demo_db, "YL0002", 1)
    before = quotes.offers(demo_db, "K0015", [yl2.id])[yl2.id]
    quote = quotes.quote(demo_db, "K0015", "YL0002")
    assert before.price == quote.price == Decimal("58.50")  # 二批价, not the 62.00 list price
    assert before.last_price is None
    in_default = dict(quote.stock)["总仓"]
    assert before.stock == in_default < yl2.stock  # not the total of both warehouses
    slips.post(demo_db, _sale(lines=[LineIn(product="YL0002", qty="2")]), user=clerk)
    after = quotes.offers(demo_db, "K0015", [yl2.id])[yl2.id]
    assert after.last_price == Decimal("58.50")
    assert after.stock == in_default - 2
    assert quotes.offers(demo_db, None, [yl2.id])[yl2.id].price == Decimal("62.00")
