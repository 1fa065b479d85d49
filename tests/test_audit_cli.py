"""`kaidan audit verify` names the first audit row that was changed behind its back."""

from __future__ import annotations

import sqlite3

from tests.support.cli import kaidan


def test_verify_finds_a_row_edited_with_raw_sql(store: str) -> None:
    out = kaidan("audit", "verify", "--db", store)
    assert out.returncode == 0 and out.stdout.startswith("审计日志完好")
    assert "客户外欠与单据、收款核对一致" in out.stdout
    con = sqlite3.connect(store)
    with con:  # an attacker with the file: drops the guard, edits row 3
        con.execute("DROP TRIGGER kd_append_only_audit_log")
        con.execute("UPDATE audit_log SET detail = '{}' WHERE id = 3")
    con.close()
    out = kaidan("audit", "verify", "--db", store)
    assert out.returncode == 4
    assert "第 3 条记录" in out.stderr


def test_verify_finds_a_balance_edited_behind_the_app(store: str) -> None:
    """外欠 is written only by the triggers; an edit by hand no longer matches the slips."""
    con = sqlite3.connect(store)
    with con:
        code, kept = con.execute(
            "SELECT c.code, a.balance FROM customer_account a JOIN customer c "
            "ON c.id = a.customer_id WHERE a.balance > 0 ORDER BY c.code LIMIT 1"
        ).fetchone()
        con.execute("UPDATE customer_account SET balance = 0")
    con.close()
    out = kaidan("audit", "verify", "--db", store)
    assert out.returncode == 4
    assert "客户外欠与单据不符" in out.stderr
    assert f"{code} 记 0.00 算得 {kept / 100:.2f}" in out.stderr
