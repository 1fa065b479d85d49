"""Gap-free numbering: several processes post at once, some transactions abort."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import Slip, StockMovement
from kaidan_tui.domain.errors import InputError
from kaidan_tui.domain.numbering import format_number, validate_format
from tests.support import workers

pytestmark = pytest.mark.also_postgres


def test_formats() -> None:
    assert (
        format_number("{prefix}{year}{seq:04d}", prefix="XS", ledger="KD", year=2026, seq=7)
        == "XS20260007"
    )
    assert validate_format("SC{prefix}{year}{seq:05d}")
    for bad in ("{prefix}{year}", "{prefix}{seq}{oops}", "{seq"):
        with pytest.raises(InputError):
            validate_format(bad)


@pytest.mark.slow
def test_concurrent_processes_with_aborts_are_gap_free(demo_db: Database) -> None:
    with demo_db.read() as s:
        before = s.exec(select(Slip.number).where(Slip.type == "sale", Slip.ledger_id == 1)).all()
    path = demo_db.url.removeprefix("sqlite:///")
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        results = pool.starmap(workers.post_many, [(path, w, 15, 0.3) for w in range(4)])
    reported = [n for batch in results for n in batch]
    assert len(reported) == len(set(reported))
    assert 0 < len(reported) < 60  # some aborted
    with demo_db.read() as s:
        rows = s.exec(
            select(Slip.seq, Slip.number).where(
                Slip.type == "sale", Slip.ledger_id == 1, Slip.year == 2026
            )
        ).all()
        seqs = sorted(seq for seq, _ in rows if seq is not None)
        assert seqs == list(range(1, len(seqs) + 1)), "numbers must be exactly 1..N"
        assert len(seqs) == len(before) + len(reported)
        assert set(reported) <= {n for _, n in rows}
        # aborted transactions left nothing behind: no orphan movements
        orphan = s.exec(
            text(
                "SELECT COUNT(*) FROM stock_movement m LEFT JOIN slip s ON s.id = m.slip_id "
                "WHERE m.kind = 'slip' AND (s.id IS NULL OR s.status != 'posted')"
            )
        ).one()
        assert orphan[0] == 0
        assert len(s.exec(select(StockMovement).where(StockMovement.kind == "slip")).all()) > 0


def test_tests_package_is_importable() -> None:
    assert Path(workers.__file__).name == "workers.py"
