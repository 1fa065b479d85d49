"""对账单: every slip and payment of a period, the running balance, CSV and XLSX."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from sqlmodel import select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Ledger, Payment
from kaidan_tui.db.queries import accounts
from kaidan_tui.db.queries.catalog import customer_by_code
from kaidan_tui.domain.enums import SlipType
from kaidan_tui.services import lifecycle, slips, statement
from kaidan_tui.services.users import UserInfo

D = Decimal


def test_statement_matches_the_balance(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo, tmp_path: Path
) -> None:
    today = date.today()
    line = [slips.LineIn(product="YL0001", qty="2")]
    a = slips.post(
        demo_db, slips.SlipIn(customer="K0005", settlement="月结", lines=line), user=clerk
    )
    b = slips.post(
        demo_db, slips.SlipIn(customer="K0005", settlement="月结", lines=line), user=clerk
    )
    cash = slips.post(demo_db, slips.SlipIn(customer="K0005", settlement="现款", lines=line),
                      user=clerk)  # fmt: skip
    back = slips.post(
        demo_db,
        slips.SlipIn(type=SlipType.RETURN, customer="K0005", settlement="月结", against=a.number,
                     lines=[slips.LineIn(product="YL0001", qty="1")]),
        user=clerk,
    )  # fmt: skip
    lifecycle.void(demo_db, b.number, reason="录重了", user=clerk, approver=supervisor)
    with demo_db.write() as s:
        customer = customer_by_code(s, "K0005")
        assert customer.id is not None
        ledger_id = s.exec(select(Ledger.id)).first()
        assert ledger_id is not None
        s.add(Payment(ledger_id=ledger_id, customer_id=customer.id, amount=D("50.00"),
                      method="现金", business_date=today, user_id=clerk.id))  # fmt: skip
    st = statement.statement(demo_db, "K0005", today - timedelta(days=1), today)
    documents = [e.document for e in st.entries]
    assert a.number in documents and cash.number in documents and back.number in documents
    assert b.number not in documents  # void: never counted
    with demo_db.read() as s:
        assert st.closing == accounts.balance(s, customer.id)
    expected = st.opening + a.total_amount - back.total_amount - D("50.00")
    assert st.closing == expected
    running = st.opening
    for e in st.entries:
        running += e.charge - e.paid
        assert e.balance == running
    parsed = list(csv.reader(io.StringIO(statement.to_csv(st))))
    assert parsed[1] == list(statement.HEADER)
    assert parsed[-1][-1] == f"{st.closing:.2f}"
    out = tmp_path / "st.xlsx"
    statement.to_xlsx(st, out)
    sheet = load_workbook(out).active
    assert sheet is not None
    assert sheet["A2"].value == "日期"
    assert D(str(sheet.cell(row=sheet.max_row, column=6).value)) == st.closing


def test_statement_prints_within_the_width(store: str, tmp_path: Path) -> None:
    from tests.support.cli import kaidan
    from tests.support.printer_bytes import columns, decode

    conf = tmp_path / "printers.toml"
    conf.write_text(
        f'[printers.r]\nkind = "file"\npath = "{tmp_path}/r.bin"\nprotocol = "escpos"\n'
        'columns = 32\n[routing]\nreport = "r"\n',
        encoding="utf-8",
    )
    out = kaidan("statement", "K0001", "--from", "2026-01-01", "--to", "2099-12-31", "--print",
                 "--printers", str(conf), "--db", store)  # fmt: skip
    assert out.returncode == 0, out.stderr
    [part] = decode((tmp_path / "r.bin").read_bytes(), "escpos").chunks
    assert part.rows[0].strip() == "对 账 单" and "期末余额（外欠）" in part.text
    assert all(columns(r) <= 32 for r in part.rows)
