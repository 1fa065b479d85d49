"""The daily report as text lines (screen, terminal, printer), CSV, XLSX, and the stable
JSON shape (``kaidan report daily --json`` and the totals a closed day stores)."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from pathlib import Path
from typing import Any

from kaidan_tui.domain.enums import SlipStatus, SlipType
from kaidan_tui.domain.money import format_money, format_qty
from kaidan_tui.printing.text import pad
from kaidan_tui.services.daily import DailyReport, Figures

SCHEMA_VERSION = 1
"""Version of the JSON shape of :func:`to_json` (bumped on any incompatible change)."""


def lines(rep: DailyReport) -> list[str]:
    state = "已日结" if rep.closed else "未日结"
    out = [f"日报 {rep.ledger} {rep.day}（{state}）", "", "【单据】"]
    for kind, statuses in sorted(rep.by_type.items()):
        for status, f in sorted(statuses.items()):
            out.append(
                f"  {pad(SlipType(kind).label, 10)} {pad(SlipStatus(status).label, 6)}"
                f" {f.count:>4} 张  "
                f"数量 {format_qty(f.qty):>8}  金额 {format_money(f.amount):>12}"
            )
    out.append("【结算方式】")
    out += [
        f"  {pad(k, 6)} {f.count:>4} 张  {format_money(f.amount):>12}"
        for k, f in sorted(rep.by_settlement.items())
    ]
    out.append("【渠道】")
    out += [
        f"  {pad(k, 6)} {f.count:>4} 张  {format_money(f.amount):>12}"
        for k, f in sorted(rep.by_channel.items())
    ]
    out.append("【连号检查】" + ("无缺号、无重号" if rep.gap_free else "有问题！"))
    for s in rep.series:
        problems = "；".join(
            ([f"缺号 {'、'.join(s.gaps)}"] if s.gaps else [])
            + ([f"重号 {'、'.join(s.duplicates)}"] if s.duplicates else [])
        )
        out.append(f"  {s.first} … {s.last}  {s.count} 张  {problems or '连续'}")
    if rep.voids:
        out.append("【作废】")
        out += [f"  {v.number}  {v.reason}  主管 {v.approver}" for v in rep.voids]
    out.append("【司机现金】")
    for d in rep.drivers:
        got = "未点款" if d.received is None else f"实收 {format_money(d.received)}"
        diff = "" if not d.difference else f"  差 {format_money(d.difference)}"
        note = f"  说明：{d.note}" if d.note else ""
        out.append(f"  {pad(d.driver, 10)} 应收 {format_money(d.expected):>10}  {got}{diff}{note}")
    out.append(f"【回单】已收 {rep.copies_back} 张，未收 {len(rep.missing_copies)} 张")
    out += [
        f"  {m.driver} {m.customer} {m.number} {format_money(m.amount)}" for m in rep.missing_copies
    ]
    out.append("【收款】")
    out += [f"  {k} {format_money(v)}" for k, v in sorted(rep.payments.items())]
    if rep.alerts:
        out.append("【超额度或逾期客户】")
        out += [
            f"  {a.code} {a.name} 外欠 {format_money(a.balance)} 额度 {format_money(a.limit)}"
            f" 逾期 {a.overdue_slips} 张"
            for a in rep.alerts
        ]
    out.append("【商品】")
    out += [
        f"  {p.code} {p.name} {format_qty(p.qty)}{p.unit} {format_money(p.amount)} 日终库存 "
        f"{format_qty(p.stock_after)}"
        for p in rep.products
    ]
    return out


def table(rep: DailyReport) -> list[list[str]]:
    """The report as rows (section, item, status/note, count, qty, amount) for CSV and XLSX."""
    rows: list[list[object]] = [
        ["日报", rep.ledger, rep.day.isoformat(), "已日结" if rep.closed else "未日结"],
        ["部分", "项目", "状态/说明", "张数", "数量", "金额"],
    ]
    for kind, statuses in sorted(rep.by_type.items()):
        for status, f in sorted(statuses.items()):
            rows.append(["单据", SlipType(kind).label, SlipStatus(status).label, f.count,
                         format_qty(f.qty), f"{f.amount:.2f}"])  # fmt: skip
    for k, f in sorted(rep.by_settlement.items()):
        rows.append(["结算方式", k, "", f.count, format_qty(f.qty), f"{f.amount:.2f}"])
    for k, f in sorted(rep.by_channel.items()):
        rows.append(["渠道", k, "", f.count, format_qty(f.qty), f"{f.amount:.2f}"])
    for d in rep.drivers:
        got = "" if d.received is None else f"{d.received:.2f}"
        rows.append(["司机现金", d.driver, d.note, len(d.slips), "", f"{d.expected:.2f}/{got}"])
    for m in rep.missing_copies:
        where = f"{m.driver} {m.customer}"
        rows.append(["未收回单", m.number, where, 1, "", f"{m.amount:.2f}"])
    for v in rep.voids:
        rows.append(["作废", v.number, f"{v.reason}（{v.approver}）", 1, "", f"{v.amount:.2f}"])
    for p in rep.products:
        rows.append(["商品", f"{p.code} {p.name}", f"日终库存 {format_qty(p.stock_after)}", "",
                     format_qty(p.qty), f"{p.amount:.2f}"])  # fmt: skip
    return [[str(c) for c in row] for row in rows]


def to_csv(rep: DailyReport) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerows(table(rep))
    return buf.getvalue()


def to_xlsx(rep: DailyReport, path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "日报"
    for row in table(rep):
        ws.append(row)
    wb.save(path)


# -- the stable JSON shape ----------------------------------------------------------------


def _fig(f: Figures) -> dict[str, Any]:
    return {"count": f.count, "qty": format_qty(f.qty), "amount": f"{f.amount:.2f}"}


def to_json(rep: DailyReport) -> dict[str, Any]:
    """The documented, stable shape (see docs/daily-report.md); money as "0.00" strings."""
    return {
        "schema": SCHEMA_VERSION,
        "ledger": rep.ledger,
        "date": rep.day.isoformat(),
        "closed": rep.closed,
        "by_type": {
            t: {st: _fig(f) for st, f in v.items()} for t, v in sorted(rep.by_type.items())
        },
        "by_settlement": {k: _fig(v) for k, v in sorted(rep.by_settlement.items())},
        "by_channel": {k: _fig(v) for k, v in sorted(rep.by_channel.items())},
        "numbers": {
            "checked": rep.numbers_checked,
            "gap_free": rep.gap_free,
            "series": [asdict(s) for s in rep.series],
        },
        "voids": [
            {
                "number": v.number,
                "reason": v.reason,
                "approver": v.approver,
                "amount": f"{v.amount:.2f}",
            }
            for v in rep.voids
        ],
        "drivers": [
            {
                "driver": d.driver,
                "slips": d.slips,
                "expected": f"{d.expected:.2f}",
                "received": None if d.received is None else f"{d.received:.2f}",
                "difference": None if d.difference is None else f"{d.difference:.2f}",
                "note": d.note,
                "settled": d.settled,
            }
            for d in rep.drivers
        ],
        "return_copies": {
            "back": rep.copies_back,
            "missing": [
                {
                    "number": m.number,
                    "driver": m.driver,
                    "customer": m.customer,
                    "amount": f"{m.amount:.2f}",
                }
                for m in rep.missing_copies
            ],
        },
        "payments": {k: f"{v:.2f}" for k, v in sorted(rep.payments.items())},
        "alerts": [
            {
                "customer": a.code,
                "name": a.name,
                "balance": f"{a.balance:.2f}",
                "limit": f"{a.limit:.2f}",
                "overdue_slips": a.overdue_slips,
                "overdue_amount": f"{a.overdue_amount:.2f}",
            }
            for a in rep.alerts
        ],
        "products": [
            {
                "code": p.code,
                "name": p.name,
                "unit": p.unit,
                "qty": format_qty(p.qty),
                "amount": f"{p.amount:.2f}",
                "stock_after": format_qty(p.stock_after),
            }
            for p in rep.products
        ],
    }
