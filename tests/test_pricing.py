"""Price policy precedence (D12), floor and off-policy checks, tax conversion (D8), credit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import AgreedPrice
from kaidan_tui.db.queries.catalog import customer_by_code, product_by_code
from kaidan_tui.domain.enums import CreditPolicy, PriceSource, Settlement
from kaidan_tui.domain.errors import InputError
from kaidan_tui.domain.pricing import (
    CreditFacts,
    PriceFacts,
    check_credit,
    check_price,
    parse_price_order,
    policy_price,
    tax_inclusive_unit_price,
)
from kaidan_tui.services.pricing import price_facts

D = Decimal
FACTS = PriceFacts(
    list_price=D("50.00"),
    tier_price=D("47.00"),
    agreed_price=D("45.00"),
    floor_price=D("44.00"),
    last_price=D("46.00"),
)


def test_agreed_then_tier_then_list() -> None:
    assert policy_price(FACTS) == policy_price(FACTS, parse_price_order("agreed,tier,list"))
    assert policy_price(FACTS).source is PriceSource.AGREED
    assert policy_price(FACTS).price == D("45.00")
    no_agreed = PriceFacts(list_price=D("50"), tier_price=D("47"))
    assert policy_price(no_agreed).source is PriceSource.TIER
    assert policy_price(PriceFacts(list_price=D("50"))).source is PriceSource.LIST


def test_configurable_order_with_last_price() -> None:
    order = parse_price_order("last,agreed,tier")
    assert order[-1] is PriceSource.LIST  # always the last resort
    assert policy_price(FACTS, order) == policy_price(
        PriceFacts(list_price=D("1"), last_price=D("46.00")), order
    )
    with pytest.raises(InputError):
        parse_price_order("agreed,cheapest")


def test_floor_and_off_policy_need_approval() -> None:
    sugg = policy_price(FACTS)
    assert check_price(D("45.00"), FACTS, sugg) == []
    below = check_price(D("43.99"), FACTS, sugg, line_no=2)
    assert [i.kind for i in below] == ["price_below_floor"]
    assert below[0].needs_approval and below[0].blocking and "第2行" in below[0].message
    off = check_price(D("48.00"), FACTS, sugg)
    assert [i.kind for i in off] == ["price_off_policy"]


def test_tax_inclusive_conversion_for_supermarket_po() -> None:
    # 含税价 = 不含税价 × (1 + 税率) ÷ 规格 : a case of 24 at 100.00 ex-tax, 13 %
    assert tax_inclusive_unit_price(D("100.00"), D("0.13"), 24) == D("4.71")
    assert tax_inclusive_unit_price(D("100.00"), D("0.17")) == D("117.00")
    with pytest.raises(InputError):
        tax_inclusive_unit_price(D("1"), D("13"))


@pytest.mark.parametrize(
    ("policy", "blocking", "approvable"),
    [
        (CreditPolicy.WARN, False, True),
        (CreditPolicy.BLOCK, True, False),
        (CreditPolicy.APPROVE, True, True),
    ],
)
def test_credit_policies(policy: CreditPolicy, blocking: bool, approvable: bool) -> None:
    facts = CreditFacts(limit=D("1000"), balance=D("900"), policy=policy)
    assert check_credit(Settlement.MONTHLY, D("100"), facts) == []
    [issue] = check_credit(Settlement.MONTHLY, D("100.01"), facts)
    assert issue.blocking is blocking and issue.needs_approval is approvable
    assert "超出 0.01" in issue.message
    assert check_credit(Settlement.CASH, D("100000"), facts) == []


def test_store_facts_respect_agreed_validity(demo_db: Database) -> None:
    with demo_db.write() as s:
        cust = customer_by_code(s, "K0015")
        prod = product_by_code(s, "YL0001")
        tier = price_facts(s, cust, prod, date(2026, 11, 23)).tier_price
        assert tier is not None
        s.add(
            AgreedPrice(
                customer_id=cust.id or 0,
                product_id=prod.id or 0,
                price=tier - D("1"),
                valid_from=date(2026, 1, 1),
                valid_to=date(2026, 6, 30),
            )
        )
        s.add(
            AgreedPrice(
                customer_id=cust.id or 0,
                product_id=prod.id or 0,
                price=tier - D("2"),
                valid_from=date(2027, 1, 1),
            )
        )
    with demo_db.read() as s:
        cust = customer_by_code(s, "K0015")
        prod = product_by_code(s, "YL0001")
        assert price_facts(s, cust, prod, date(2026, 5, 1)).agreed_price == tier - D("1")
        assert price_facts(s, cust, prod, date(2026, 11, 23)).agreed_price is None
        assert price_facts(s, cust, prod, date(2027, 2, 1)).agreed_price == tier - D("2")
        assert (
            policy_price(price_facts(s, cust, prod, date(2026, 11, 23))).source is PriceSource.TIER
        )
        assert price_facts(s, None, prod).list_price == prod.list_price


@pytest.mark.also_postgres
def test_of_overlapping_agreements_the_latest_start_wins_on_every_database(
    demo_db: Database,
) -> None:
    """An open start (NULL) is the oldest: PostgreSQL sorts NULL first in DESC, SQLite
    last, so the choice is made outside SQL; the newer of two same-day rows wins."""
    with demo_db.write() as s:
        cust = customer_by_code(s, "K0015")
        prod = product_by_code(s, "YL0001")
        for price, start in ((D("30.00"), date(2026, 3, 1)), (D("31.00"), None)):
            s.add(
                AgreedPrice(
                    customer_id=cust.id or 0, product_id=prod.id or 0, price=price, valid_from=start
                )
            )
        s.flush()
        assert price_facts(s, cust, prod, date(2026, 5, 1)).agreed_price == D("30.00")
        assert price_facts(s, cust, prod, date(2026, 2, 1)).agreed_price == D("31.00")
        s.add(
            AgreedPrice(
                customer_id=cust.id or 0,
                product_id=prod.id or 0,
                price=D("29.00"),
                valid_from=date(2026, 3, 1),
            )
        )
        s.flush()
        assert price_facts(s, cust, prod, date(2026, 5, 1)).agreed_price == D("29.00")
