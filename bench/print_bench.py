"""Layout + encode of a 50-line slip, for each driver. Target: p95 ≤ 5 ms.

Run: ``python -m bench.print_bench``. The python-escpos import (≈0.7 s, once per
process) is done before timing: it is paid at the first print, not per slip.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from bench.common import machine, summary, timed
from kaidan_tui.printing import config as printer_config
from kaidan_tui.printing.layout import DocLine, SlipDoc
from kaidan_tui.printing.receipt import library_commands
from kaidan_tui.printing.render import render


def slip(lines: int) -> SlipDoc:
    items = tuple(
        DocLine(
            no=i + 1,
            code=f"JS{i:04d}",
            name=f"五粮液第八代 52度 500ml 礼盒装 {i}",
            spec="500ml×6",
            unit="箱",
            qty=Decimal(i % 7 + 1),
            price=Decimal("1052.00"),
            amount=Decimal("1052.00") * (i % 7 + 1),
            remarks="加急" if i % 5 == 0 else "",
            codes=tuple(f"WLY26112300{i:02d}{k}" for k in range(3)) if i % 4 == 0 else (),
        )
        for i in range(lines)
    )
    return SlipDoc(
        header="昆明滇润商贸有限公司",
        title="销货清单",
        number="XS20260123",
        business_date=date(2026, 11, 23),
        lines=items,
        total_qty=sum((x.qty for x in items), Decimal(0)),
        total_amount=sum((x.amount for x in items), Decimal(0)),
        maker="张丽",
        cust_code="K0031",
        cust_name="曲靖麒麟区老王批发部",
        contact="王建国",
        phone="13908741234",
        address="曲靖市麒麟区南宁北路 88 号",
        channel="地州",
        freight_station="顺丰物流托运部",
        freight_phone="0874-3125678",
        settlement="现款",
        delivery="托运",
        remarks="下午三点前发车",
    )


def main() -> None:
    printers = {
        "escp 80 col, 二等分 forms": {"protocol": "escp", "columns": 80, "form_length_mm": "half"},
        "escp 96 col, full forms": {"protocol": "escp", "columns": 96, "cpi": 12,
                                    "form_length_mm": "full"},
        "escpos 48 col, 4 parts": {"protocol": "escpos", "columns": 48},
        "escpos 32 col, 4 parts": {"protocol": "escpos", "columns": 32},
    }  # fmt: skip
    raw = {"printers": {k: {"kind": "file", "path": "/dev/null", **v} for k, v in printers.items()}}
    config = printer_config.parse(raw, source="bench")
    doc = slip(50)
    library_commands("PART", 2)  # the one-off python-escpos import
    print(f"# {machine()}")
    print("# layout + encode, 50-line slip (with trace codes); target p95 ≤ 5 ms")
    for name, cfg in config.printers.items():
        render(doc, cfg)  # warm-up
        size = len(render(doc, cfg))
        samples = timed(lambda cfg=cfg: render(replace(doc), cfg), 300)
        print(summary(f"{name} ({size} bytes)", samples))


if __name__ == "__main__":
    main()
