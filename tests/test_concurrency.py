"""8 counters on one SQLite store, posting at once: no lock error reaches a clerk.

The 60-second run with throughput is ``python -m bench.concurrency_bench``.
"""

from __future__ import annotations

import sqlite3

import pytest

from tests.support import concurrency, crash


@pytest.mark.slow
def test_eight_counters_post_at_once_without_lock_errors_or_gaps(store: str) -> None:
    con = sqlite3.connect(store)
    before = con.execute("SELECT COUNT(*) FROM slip WHERE number IS NOT NULL").fetchone()[0]
    con.close()
    report = concurrency.run(store, procs=8, seconds=10)
    assert report.errors == []  # no "database is locked", no OperationalError at all
    assert all(r.acks for r in report.results), "every counter got slips through"
    assert report.aborts > 0
    numbers = [(a.ledger, a.number) for a in report.acks]
    assert len(numbers) == len(set(numbers))
    checked = crash.check(store, report.acks)
    assert checked.problems == []  # numbers 1..N per series, every ack whole, stock, audit
    assert checked.posted == before + len(report.acks)  # and nothing posted unacknowledged
