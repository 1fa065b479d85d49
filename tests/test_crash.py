"""Crash safety: SIGKILL the writer at random moments; nothing acknowledged is lost.

The long run is ``python -m bench.crash_bench --kills 500`` (see bench/RESULTS.md).
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from decimal import Decimal

import pytest

from tests.support import crash


@pytest.mark.slow
def test_sigkill_loop_loses_nothing_acknowledged(store: str) -> None:
    # 60 kills; every 15th writer is a fresh interpreter reporting on its stdout. The loop
    # forks its writers, so it runs in a fresh process of its own: never fork the test
    # process, whose other tests may have left threads (and their locks) behind.
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        report = pool.apply(
            crash.run, (store, 60), {"seed": 8, "exec_every": 15, "check_every": 15}
        )
    assert report.problems == []
    assert report.kills == 60 and report.checks == 4
    assert report.acked > 10  # the writers did post between the kills


def test_check_sees_a_missing_slip_a_wrong_total_and_bad_stock(store: str) -> None:
    assert crash.check(store, []).problems == []
    con = sqlite3.connect(store)
    ledger, number, lines = con.execute(
        "SELECT l.code, s.number, s.line_count FROM slip s JOIN ledger l ON l.id = s.ledger_id "
        "WHERE s.number IS NOT NULL AND s.discount_amount = 0 LIMIT 1"
    ).fetchone()
    con.execute("UPDATE stock SET qty = qty + 1000 WHERE rowid = 1")
    con.commit()
    con.close()
    acks = [
        crash.Ack(ledger, "XS-nowhere", 1, Decimal("1.00")),
        crash.Ack(ledger, number, lines, Decimal("0.01")),
    ]
    problems = crash.check(store, acks).problems
    assert any("stock != sum of movements" in p for p in problems)
    assert any("XS-nowhere is missing" in p for p in problems)
    assert any(f"slip {ledger} {number}:" in p for p in problems)


def test_torn_last_line_is_not_an_ack() -> None:
    acks = crash.parse_acks("ready\nack KD XS1 2 10.00\nack KD XS2 1 5.0")
    assert acks == [crash.Ack("KD", "XS1", 2, Decimal("10.00"))]
