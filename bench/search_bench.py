"""Search on 100,000 generated products: p50/p95 per query kind.

    python -m bench.search_bench [--products 100000]

Target (issue 3): p95 <= 5 ms at 100k products.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import select

from bench.common import machine, summary, timed
from kaidan_tui.db import search
from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Product
from kaidan_tui.domain.text import pinyin_initials
from kaidan_tui.services.catalog import search_products
from kaidan_tui.services.setup import init_store

BRANDS = (
    "可口可乐 百事 康师傅 统一 农夫山泉 娃哈哈 王老吉 加多宝 雪花 青岛 燕京 百威 五粮液 茅台 汾酒 "
    "洋河 旺旺 乐事 达利园 心相印 立白 蓝月亮 云岭 大益 六个核桃 伊利 蒙牛 红牛 东鹏 脉动"
).split()
KINDS = (
    "矿泉水 冰红茶 绿茶 凉茶 啤酒 白酒 薯片 饼干 面包 抽纸 洗衣液 洗洁精 牛奶 酸奶 核桃乳 "
    "功能饮料 果汁 咖啡 方便面 火腿肠"
).split()
SIZES = "250ml 330ml 500ml 550ml 1.25L 2L 70g 84g 100g 3kg 1.5kg".split()


def build(db: Database, n: int, rng: random.Random) -> list[Product]:
    rows = []
    for i in range(1, n + 1):
        name = f"{rng.choice(BRANDS)}{rng.choice(KINDS)}{rng.randint(1, 999)}号 {rng.choice(SIZES)}"
        rows.append(
            {
                "code": f"P{i:06d}",
                "barcode": f"69{i:011d}",
                "name": name,
                "initials": pinyin_initials(name),
                "spec": "×24",
                "unit": "箱",
                "case_size": 24,
                "list_price": Decimal("50.00"),
                "tax_rate": Decimal("0.13"),
            }
        )
    with db.write() as s:
        s.execute(insert(Product), rows)
        search.reindex(s)
    with db.read() as s:
        return list(s.exec(select(Product)).all())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=300)
    args = ap.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.open(str(Path(tmp) / "bench.db"))
        init_store(db)
        t0 = time.perf_counter()
        products = build(db, args.products, rng)
        print(f"machine: {machine()}")
        print(f"built {len(products)} products in {time.perf_counter() - t0:.1f} s")
        sample = rng.sample(products, 500)
        kinds = {
            "exact code": lambda p: p.code,
            "code prefix (4)": lambda p: p.code[:4],
            "barcode": lambda p: p.barcode,
            "pinyin initials (4)": lambda p: p.initials[:4],
            "pinyin initials (2)": lambda p: p.initials[:2],
            "1 hanzi": lambda p: p.name[1],
            "2 hanzi (middle)": lambda p: p.name[2:4],
            "3+ hanzi substring": lambda p: p.name[2:6],
            "no match": lambda p: "鑫鑫鑫",
        }
        all_samples: list[float] = []
        for label, make in kinds.items():
            queries = [make(rng.choice(sample)) or "x" for _ in range(args.runs)]
            it = iter(queries)
            with db.read() as s:
                ms = timed(lambda s=s, it=it: search.find_products(s, next(it), 20), args.runs)
            all_samples += ms
            print(summary(f"find_products: {label}", ms))
        print(summary("find_products: all kinds", all_samples))
        queries = [p.initials[:3] for p in sample]
        it2 = iter(queries * 2)
        ms = timed(lambda: search_products(db, next(it2), 20), min(args.runs, len(queries)))
        print(summary("service incl. stock, new session", ms))
        db.dispose()


if __name__ == "__main__":
    main()
