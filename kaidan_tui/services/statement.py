"""对账单: a customer's slips, returns, reversals and payments over a period, with the
running balance (外欠). Cash slips (现款) are listed too, paid on the spot, so they
leave the balance unchanged. Void slips are not listed: they never counted."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Payment, Slip
from kaidan_tui.db.queries.catalog import customer_by_code
from kaidan_tui.domain.effects import COUNTED_STATUSES, sales_sign
from kaidan_tui.domain.enums import CREDIT_SETTLEMENTS, Settlement, SlipStatus, SlipType
from kaidan_tui.domain.errors import InputError
from kaidan_tui.domain.money import ZERO

if TYPE_CHECKING:
    from kaidan_tui.printing.layout import Row

COUNTED = COUNTED_STATUSES  # docs/money.md, rule 4


@dataclass(frozen=True, slots=True)
class Entry:
    when: date
    document: str
    kind: str
    charge: Decimal
    paid: Decimal
    balance: Decimal


@dataclass(frozen=True, slots=True)
class Statement:
    customer: str
    date_from: date
    date_to: date
    opening: Decimal
    entries: list[Entry]

    @property
    def closing(self) -> Decimal:
        return self.entries[-1].balance if self.entries else self.opening

    @property
    def charged(self) -> Decimal:
        return sum((e.charge for e in self.entries), ZERO)

    @property
    def received(self) -> Decimal:
        return sum((e.paid for e in self.entries), ZERO)


def _movements(
    session: Session, customer_id: int
) -> list[tuple[date, int, str, str, Decimal, Decimal]]:
    """(date, order, document, kind, charge, paid) of everything that touches the account."""
    out: list[tuple[date, int, str, str, Decimal, Decimal]] = []
    slips = session.exec(
        select(Slip).where(Slip.customer_id == customer_id, col(Slip.status).in_(COUNTED))
    ).all()
    originals = {s.reverses_id for s in slips if s.reverses_id is not None}
    kinds = dict(
        session.exec(select(Slip.id, Slip.type).where(col(Slip.id).in_(originals))).all()
    ) if originals else {}  # fmt: skip
    for s in slips:
        kind = SlipType(s.type)
        signed = s.total_amount * sales_sign(s.type, s.status, kinds.get(s.reverses_id or 0))
        label = kind.label + ("（已红冲）" if s.status == SlipStatus.REVERSED.value else "")
        cash = Settlement(s.settlement) not in CREDIT_SETTLEMENTS
        paid = signed if cash else ZERO
        out.append((s.business_date, s.id or 0, s.number or "", f"{label} {s.settlement}",
                    signed, paid))  # fmt: skip
    for p in session.exec(select(Payment).where(Payment.customer_id == customer_id)).all():
        out.append((p.business_date, 10**12 + (p.id or 0), f"收款#{p.id}", f"收款 {p.method}",
                    ZERO, p.amount))  # fmt: skip
    out.sort(key=lambda m: (m[0], m[1]))
    return out


def statement(db: Database, customer_code: str, date_from: date, date_to: date) -> Statement:
    if date_from > date_to:
        raise InputError("对账日期前后颠倒：开始日期晚于结束日期。", field="from")
    with db.read() as session:
        customer = customer_by_code(session, customer_code)
        assert customer.id is not None
        moves = _movements(session, customer.id)
    opening = sum((c - p for when, _o, _d, _k, c, p in moves if when < date_from), ZERO)
    balance = opening
    entries = []
    for when, _order, document, kind, charge, paid in moves:
        if date_from <= when <= date_to:
            balance += charge - paid
            entries.append(Entry(when, document, kind, charge, paid, balance))
    return Statement(f"{customer.code} {customer.name}", date_from, date_to, opening, entries)


HEADER = ("日期", "单据", "摘要", "应收", "收款", "余额")


def rows(st: Statement) -> list[tuple[str, str, str, str, str, str]]:
    out = [("", "", "期初余额", "", "", f"{st.opening:.2f}")]
    for e in st.entries:
        out.append((e.when.isoformat(), e.document, e.kind, f"{e.charge:.2f}", f"{e.paid:.2f}",
                    f"{e.balance:.2f}"))  # fmt: skip
    out.append(("", "", "合计 / 期末余额", f"{st.charged:.2f}", f"{st.received:.2f}",
                f"{st.closing:.2f}"))  # fmt: skip
    return out


def to_csv(st: Statement) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([f"对账单 {st.customer}", f"{st.date_from} 至 {st.date_to}"])
    writer.writerow(HEADER)
    writer.writerows(rows(st))
    return buf.getvalue()


def to_xlsx(st: Statement, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "对账单"
    ws.append([f"对账单 {st.customer}", f"{st.date_from} 至 {st.date_to}"])
    ws.append(list(HEADER))
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in rows(st):
        ws.append([Decimal(v) if i >= 3 and v else v for i, v in enumerate(row)])
    for column, width in zip("ABCDEF", (12, 16, 22, 14, 14, 14), strict=True):
        ws.column_dimensions[column].width = width
    for row_cells in ws.iter_rows(min_row=3, min_col=4, max_col=6):
        for cell in row_cells:
            cell.number_format = "#,##0.00"
    wb.save(path)


def print_rows(st: Statement, columns: int) -> list[Row]:
    """The statement laid out for a printer ``columns`` wide (one or two rows per entry)."""
    from kaidan_tui.printing.layout import Row
    from kaidan_tui.printing.text import pad, spread

    rows = [
        Row(pad("对 账 单", columns, "center").rstrip(), bold=True),
        Row(st.customer, bold=True),
        Row(f"{st.date_from} 至 {st.date_to}"),
        Row("-" * columns),
        Row(spread("期初余额", f"{st.opening:.2f}", columns)),
    ]
    for e in st.entries:
        figures = f"应收 {e.charge:.2f}  收款 {e.paid:.2f}  余额 {e.balance:.2f}"
        head = f"{e.when:%m-%d} {e.document} {e.kind}"
        if columns >= 80:
            rows.append(Row(spread(head, figures, columns)))
        else:
            rows.append(Row(head))
            rows.append(Row(spread("", figures, columns)))
    rows.append(Row("-" * columns))
    rows.append(Row(spread(f"合计应收 {st.charged:.2f}", f"收款 {st.received:.2f}", columns)))
    rows.append(Row(spread("期末余额（外欠）", f"{st.closing:.2f}", columns), bold=True))
    rows.append(Row(""))
    rows.append(Row("客户确认签字：________________    日期：__________"[:columns]))
    return rows
