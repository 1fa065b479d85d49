"""Imports: encodings, XLSX, all-or-nothing, errors by row and column."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Customer, Product, Stock, TierPrice
from kaidan_tui.services.imports import ImportFailed, import_file

HEADER = "code,name,spec,unit,price,barcode,floor_price,tax_rate,coded\n"
ROWS = (
    "P001,可口可乐 330ml,330ml×24,箱,52.00,6901234567892,49.00,13%,0\n"
    "P002,五粮液 52度,500ml×1,瓶,1099,,1050,0.13,是\n"
)


def _products(db: Database) -> dict[str, Product]:
    with db.read() as s:
        return {p.code: p for p in s.exec(select(Product)).all()}


@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gbk", b"")]
)
def test_csv_encodings(empty_db: Database, tmp_path: Path, encoding: str, bom: bytes) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(
        bom + (HEADER + ROWS).replace("×", "x" if encoding == "gbk" else "×").encode(encoding)
    )
    result = import_file(empty_db, "products", path)
    assert (result.created, result.updated) == (2, 0)
    products = _products(empty_db)
    assert products["P001"].name == "可口可乐 330ml"
    assert products["P001"].initials == "kkkl330ml"
    assert str(products["P001"].tax_rate) == "0.1300"
    assert products["P002"].coded is True and products["P002"].barcode is None


def test_chinese_headers_and_xlsx(empty_db: Database, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["编码", "名称", "规格", "单位", "单价", "条码", "箱规"])
    ws.append(["X1", "旺旺雪饼 84g", "84g×20", "件", 45.5, 6901234567892, 20])
    path = tmp_path / "p.xlsx"
    wb.save(path)
    import_file(empty_db, "products", path)
    p = _products(empty_db)["X1"]
    assert str(p.list_price) == "45.50" and p.barcode == "6901234567892" and p.case_size == 20


def test_all_or_nothing_with_row_and_column(empty_db: Database, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    bad = ROWS + "P003,坏价格,1,箱,abc\nP001,重复,1,箱,5\nP004,,1,箱,5\nP005,低于,1,箱,5,,9\n"
    path.write_text(HEADER + bad, encoding="utf-8")
    with pytest.raises(ImportFailed) as err:
        import_file(empty_db, "products", path)
    text = err.value.message
    assert "第 4 行「price」列" in text and "abc" in text
    assert "第 5 行「code」列：「P001」与第 2 行重复" in text
    assert "第 6 行「name」列：不能为空" in text
    assert "第 7 行「floor_price」列" in text
    assert "没有导入任何数据" in text
    assert _products(empty_db) == {}


def test_missing_columns_and_unknown_encoding(empty_db: Database, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("code,name\nA,B\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="缺少必需的列"):
        import_file(empty_db, "products", path)
    path.write_bytes(b"\xff\xfe\x00\x81\xfe\xff" * 10)
    with pytest.raises(ImportFailed, match="编码"):
        import_file(empty_db, "products", path)


def test_dry_run_writes_nothing(empty_db: Database, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    result = import_file(empty_db, "products", path, dry_run=True)
    assert result.created == 2 and result.dry_run
    assert _products(empty_db) == {}


def test_customers_prices_stock(empty_db: Database, tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text(HEADER + ROWS, encoding="utf-8")
    import_file(empty_db, "products", tmp_path / "p.csv")
    (tmp_path / "c.csv").write_text(
        "编码,名称,渠道,价格等级,结算方式,信用额度\nk1,重庆火锅店,二批,二批价,月结,5000\n",
        encoding="utf-8",
    )
    import_file(empty_db, "customers", tmp_path / "c.csv")
    (tmp_path / "pr.csv").write_text(
        "product,price,tier,customer\nP001,50.00,二批价,\nP002,1060,,K1\n", encoding="utf-8"
    )
    import_file(empty_db, "prices", tmp_path / "pr.csv")
    (tmp_path / "s.csv").write_text("product,warehouse,qty\nP001,ZC,100\n", encoding="utf-8")
    import_file(empty_db, "stock", tmp_path / "s.csv")
    (tmp_path / "s.csv").write_text("product,warehouse,qty\nP001,ZC,80\n", encoding="utf-8")
    import_file(empty_db, "stock", tmp_path / "s.csv")
    with empty_db.read() as s:
        c = s.exec(select(Customer)).one()
        assert (c.code, c.initials, c.channel, str(c.credit_limit)) == (
            "K1",
            "cqhgd",
            "二批",
            "5000.00",
        )
        assert s.exec(select(TierPrice)).one().tier == "二批价"
        assert str(s.exec(select(Stock)).one().qty) == "80.000"
    (tmp_path / "pr.csv").write_text("product,price,tier\nP001,10.00,二批价\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="低于该商品最低价"):
        import_file(empty_db, "prices", tmp_path / "pr.csv")


def test_short_file_does_not_wipe_other_columns(demo_db: Database, tmp_path: Path) -> None:
    with demo_db.read() as s:
        before = s.exec(select(Product).where(Product.code == "JS0051")).one()
    path = tmp_path / "p.csv"
    path.write_text(
        f"code,name,spec,unit,price\nJS0051,{before.name},x,瓶,1200\n", encoding="utf-8"
    )
    import_file(demo_db, "products", path)
    with demo_db.read() as s:
        after = s.exec(select(Product).where(Product.code == "JS0051")).one()
    assert str(after.list_price) == "1200.00"
    assert (after.barcode, after.floor_price, after.coded) == (
        before.barcode,
        before.floor_price,
        True,
    )
    (tmp_path / "c.csv").write_text("code,name\nK0015,改名客户\n", encoding="utf-8")
    import_file(demo_db, "customers", tmp_path / "c.csv")
    with demo_db.read() as s:
        c = s.exec(select(Customer).where(Customer.code == "K0015")).one()
    assert (c.name, c.settlement) == ("改名客户", "月结") and c.credit_limit > 0


def test_barcode_taken_by_another_product_is_refused(demo_db: Database, tmp_path: Path) -> None:
    with demo_db.read() as s:
        taken = s.exec(select(Product).where(Product.code == "YL0001")).one().barcode
    path = tmp_path / "p.csv"
    path.write_text(
        f"code,name,spec,unit,price,barcode\nNEW1,新品,1,箱,5,{taken}\n", encoding="utf-8"
    )
    with pytest.raises(ImportFailed, match="已属于商品「YL0001」"):
        import_file(demo_db, "products", path)


def test_price_reimport_updates_instead_of_piling_up(demo_db: Database) -> None:
    from kaidan_tui.db.models import AgreedPrice
    from kaidan_tui.services.setup import data_dir

    with demo_db.read() as s:
        count = len(s.exec(select(AgreedPrice)).all())
    result = import_file(demo_db, "prices", data_dir() / "prices.csv")
    assert result.created == 0 and result.updated > 0
    with demo_db.read() as s:
        assert len(s.exec(select(AgreedPrice)).all()) == count


def test_bad_price_and_stock_rows(empty_db: Database, tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text(HEADER + ROWS, encoding="utf-8")
    import_file(empty_db, "products", tmp_path / "p.csv")
    (tmp_path / "t.csv").write_text(
        "product,price,tier,valid_from\nP001,50,二批价,2026-01-01\n", encoding="utf-8"
    )
    with pytest.raises(ImportFailed, match="等级价不分日期"):
        import_file(empty_db, "prices", tmp_path / "t.csv")
    for bad in ("NaN", "1e20", "-1", "abc"):
        (tmp_path / "s.csv").write_text(f"product,qty\nP001,{bad}\n", encoding="utf-8")
        with pytest.raises(ImportFailed, match="第 2 行「qty」列"):
            import_file(empty_db, "stock", tmp_path / "s.csv")


def test_products_and_customers_count_created_and_updated(
    demo_db: Database, tmp_path: Path
) -> None:
    """One upsert for both kinds: existing codes are updated, new ones created."""
    (tmp_path / "c.csv").write_text("code,name\nK0001,新名字\nK9999,新客户\n", encoding="utf-8")
    dry = import_file(demo_db, "customers", tmp_path / "c.csv", dry_run=True)
    assert (dry.created, dry.updated, dry.dry_run) == (1, 1, True)
    with demo_db.read() as s:
        assert s.exec(select(Customer).where(Customer.code == "K9999")).first() is None
        assert s.exec(select(Customer).where(Customer.code == "K0001")).one().name != "新名字"
    done = import_file(demo_db, "customers", tmp_path / "c.csv")
    assert (done.kind, done.created, done.updated) == ("customers", 1, 1)
    with demo_db.read() as s:
        assert s.exec(select(Customer).where(Customer.code == "K9999")).one().name == "新客户"
        assert s.exec(select(Customer).where(Customer.code == "K0001")).one().name == "新名字"
    (tmp_path / "p.csv").write_text(
        "code,name,spec,unit,price\nYL0001,可口可乐 330ml听装,330ml×24,箱,53\n"
        "ZZ0001,新商品,1×1,个,9.9\n",
        encoding="utf-8",
    )
    done = import_file(demo_db, "products", tmp_path / "p.csv")
    assert (done.kind, done.created, done.updated) == ("products", 1, 1)
    products = _products(demo_db)
    assert str(products["YL0001"].list_price) == "53.00"
    assert str(products["ZZ0001"].list_price) == "9.90"


def test_supermarket_po_prices_tax_exclusive_are_converted(
    demo_db: Database, tmp_path: Path
) -> None:
    """D8: 含税价 = 不含税价 × (1 + 商品税率) ÷ 每件数量, stored per selling unit."""
    from kaidan_tui.db.models import AgreedPrice
    from kaidan_tui.services import slips

    path = tmp_path / "po.csv"
    path.write_text(
        "商品编码,客户编码,价格等级,不含税单价,每件数量\n"
        "YL0001,K0041,,46.90,\n"  # 13 %: 46.90 × 1.13 = 52.997 → 53.00
        "YL0105,K0042,,900,\n"  # a 9 % tea: 900 × 1.09 = 981.00
        "YL0002,,商超价,110.00,2\n",  # a PO price for two selling units: 110 × 1.13 ÷ 2
        encoding="utf-8",
    )
    result = import_file(demo_db, "prices", path)
    assert (result.created, result.updated) == (2, 1)
    assert result.notes == ["3 行不含税单价已按商品税率换算为含税单价（D8）"]
    products = _products(demo_db)
    with demo_db.read() as s:

        def agreed(customer: str, product: str) -> str:
            cid = s.exec(select(Customer.id).where(Customer.code == customer)).one()
            row = s.exec(
                select(AgreedPrice).where(
                    AgreedPrice.customer_id == cid,
                    AgreedPrice.product_id == products[product].id,
                )
            ).one()
            return str(row.price)

        assert agreed("K0041", "YL0001") == "53.00"
        assert agreed("K0042", "YL0105") == "981.00"
        tier = s.exec(
            select(TierPrice).where(
                TierPrice.tier == "商超价", TierPrice.product_id == products["YL0002"].id
            )
        ).one()
        assert str(tier.price) == "62.15"
        prep = slips.prepare(
            s, slips.SlipIn(customer="K0041", lines=[slips.LineIn(product="YL0001", qty="1")])
        )
    assert (str(prep.lines[0].price), prep.lines[0].source.value) == ("53.00", "agreed")


def test_tax_exclusive_prices_only_for_supermarkets_and_checked(
    demo_db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "po.csv"
    path.write_text(
        "product,customer,tier,price,price_ex_tax,pack\n"
        "YL0001,K0001,,,46.90,\n"  # 2: a 直销 customer
        "YL0001,,二批价,,46.90,\n"  # 3: a tier of 二批 customers
        "YL0002,K0041,,60.00,53.10,\n"  # 4: both prices
        "YL0003,K0041,,57.00,,12\n"  # 5: a pack without a tax-exclusive price
        "YL0001,K0041,,,10.00,\n"  # 6: converted below the floor
        "YL0004,K0041,,,,\n",  # 7: no price at all
        encoding="utf-8",
    )
    with pytest.raises(ImportFailed) as failed:
        import_file(demo_db, "prices", path)
    found = {(p.row, p.column) for p in failed.value.problems}
    assert found == {
        (2, "price_ex_tax"),
        (3, "price_ex_tax"),
        (4, "price_ex_tax"),
        (5, "pack"),
        (6, "price_ex_tax"),
        (7, "price"),
    }
    text = failed.value.message
    assert "客户「K0001」的渠道是直销" in text and "价格等级「二批价」" in text
    assert "含税价 11.30（由不含税单价 10.00 换算）低于该商品最低价 47.50" in text
    with pytest.raises(ImportFailed, match="price_ex_tax/不含税单价"):
        (tmp_path / "none.csv").write_text("product,customer\nYL0001,K0041\n", encoding="utf-8")
        import_file(demo_db, "prices", tmp_path / "none.csv")
