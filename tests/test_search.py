"""Search by code prefix, barcode, pinyin initials and any substring of the name."""

from __future__ import annotations

import pytest

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Product
from kaidan_tui.domain.text import grams, pinyin_initials
from kaidan_tui.services.catalog import search_customers, search_products

pytestmark = pytest.mark.also_postgres


def test_initials_are_computed_on_save() -> None:
    assert pinyin_initials("可口可乐 330ml") == "kkkl330ml"
    assert pinyin_initials("重庆火锅底料") == "cqhgdl"  # polyphone resolved as a phrase
    assert grams("可乐") == ["可", "乐", "可乐"]


def test_pinyin_initials(demo_db: Database) -> None:
    hits = search_products(demo_db, "kkkl")
    assert hits and all(h.name.startswith("可口可乐") for h in hits)
    assert search_products(demo_db, "kkkl330mltz")[0].code == "YL0001"  # full initials
    assert search_customers(demo_db, "gdqcq")[0].name.startswith("官渡区重庆")


def test_code_barcode_and_ranking(demo_db: Database) -> None:
    assert search_products(demo_db, "YL0001")[0].code == "YL0001"
    assert search_products(demo_db, "yl000")[0].code == "YL0001"  # case-insensitive prefix
    with demo_db.read() as s:
        p = s.exec(__import__("sqlmodel").select(Product).where(Product.code == "JS0005")).one()
    assert p.barcode
    assert search_products(demo_db, p.barcode)[0].code == "JS0005"


@pytest.mark.parametrize("query", ["可乐", "啤", "青岛啤酒", "330ml听"])
def test_substrings_of_any_length(demo_db: Database, query: str) -> None:
    hits = search_products(demo_db, query)
    assert hits, query
    assert all(query.lower() in (h.name + " " + h.spec).lower() or query in h.name for h in hits)


def test_customer_by_phone_and_name(demo_db: Database) -> None:
    hit = search_customers(demo_db, "K0001")[0]
    assert search_customers(demo_db, hit.phone)[0].code == "K0001"
    assert any(h.code == "K0001" for h in search_customers(demo_db, hit.name[2:5]))


def test_renamed_product_is_reindexed(demo_db: Database) -> None:
    with demo_db.write() as s:
        p = s.exec(__import__("sqlmodel").select(Product).where(Product.code == "YL0001")).one()
        p.name = "测试改名饮料"
        s.add(p)
    assert search_products(demo_db, "csgmyl")[0].code == "YL0001"
    assert search_products(demo_db, "改名")[0].code == "YL0001"
    assert all(h.code != "YL0001" for h in search_products(demo_db, "可口可乐 330"))


def test_nothing_found_is_empty(demo_db: Database) -> None:
    assert search_products(demo_db, "zzzzqqq") == []
    assert search_products(demo_db, "   ") == []
    assert search_products(demo_db, '"') == []
