"""`kaidan audit verify` names the first audit row that was changed behind its back."""

from __future__ import annotations

import sqlite3

from tests.test_cli import kaidan


def test_verify_finds_a_row_edited_with_raw_sql(store: str) -> None:
    out = kaidan("audit", "verify", "--db", store)
    assert out.returncode == 0 and out.stdout.startswith("审计日志完好")
    con = sqlite3.connect(store)
    with con:  # an attacker with the file: drops the guard, edits row 3
        con.execute("DROP TRIGGER kd_append_only_audit_log")
        con.execute("UPDATE audit_log SET detail = '{}' WHERE id = 3")
    con.close()
    out = kaidan("audit", "verify", "--db", store)
    assert out.returncode == 4
    assert "第 3 条记录" in out.stderr
