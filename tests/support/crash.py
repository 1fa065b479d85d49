"""Crash harness: post slips through the real service, SIGKILL the writer, check the store.

A writer process posts slips with :func:`kaidan_tui.services.slips.post` in a loop and
writes one line per slip to its output *after* ``post`` returned (the commit is done):
``ack <ledger> <number> <lines> <total>``. Some transactions abort on purpose after their
number was taken (they must give it back). The parent kills the writer with SIGKILL at a
random moment, starts a new one, and so on; then :func:`check` proves what we promise:

- ``PRAGMA integrity_check`` is ``ok`` and no foreign key dangles;
- every acknowledged slip is there, posted, with all its lines and the right total;
- the numbers of each series (ledger × type × year) are exactly 1..N, and the counter
  row says N;
- stock per product and warehouse equals the sum of its movements, and no movement
  belongs to a slip that was not posted;
- every posted slip has its audit row, and the audit chain verifies.

Two ways to start a writer: ``fork`` (the default: the parent has already imported
everything, so a cycle costs only the kill moment, and many kills fit in a test) and
``exec`` (a fresh ``python -m tests.support.crash writer PATH SEED`` reporting on stdout, as a
clerk's process would start). Used by ``tests/test_crash.py`` and ``bench/crash_bench.py``.

SIGKILL stops the process, not the machine: the OS still writes what SQLite handed it.
Power loss is what ``synchronous=FULL`` is for; this harness does not simulate it.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

REPO = Path(__file__).resolve().parents[2]


class Abort(Exception):
    """Raised inside the write transaction after the number was taken."""


@dataclass(frozen=True, slots=True)
class Ack:
    ledger: str
    number: str
    lines: int
    total: Decimal


def parse_acks(text: str) -> list[Ack]:
    """The complete ``ack`` lines of a writer's output (a torn last line is ignored)."""
    acks = []
    for line in text.splitlines(keepends=True):
        parts = line.split()
        if line.endswith("\n") and len(parts) == 5 and parts[0] == "ack":
            acks.append(Ack(parts[1], parts[2], int(parts[3]), Decimal(parts[4])))
    return acks


# -- the writer (child side) ----------------------------------------------------------------


class Poster:
    """A counter posting random slips through the real service, as a clerk would: 现款 or
    月结 (a supervisor approves what needs it), 1..``max_lines`` lines, ledger KD or SC.
    A share (``abort_rate``) of transactions fail on purpose after taking their number,
    so the whole transaction must roll back and give the number back."""

    def __init__(self, path: str, seed: int, abort_rate: float, max_lines: int) -> None:
        from sqlmodel import select

        from kaidan_tui.db.engine import Database
        from kaidan_tui.db.models import Product
        from kaidan_tui.services import slips
        from kaidan_tui.services.users import get_user

        self.rng = random.Random(seed)
        self.max_lines = max_lines
        self.db = Database.open(path)
        with self.db.read() as s:
            self.user = get_user(s, "1001")
            self.boss = get_user(s, "8001")
            self.codes = list(
                s.exec(select(Product.code).where(Product.coded == False)).all()  # noqa: E712
            )
        real_move = slips.move_stock

        def flaky_move(*args: Any, **kwargs: Any) -> None:
            real_move(*args, **kwargs)
            if self.rng.random() < abort_rate:
                raise Abort  # after next_number(): the whole transaction must roll back

        slips.move_stock = flaky_move

    def post(self, tag: str) -> Ack:
        """Post one slip; raises :class:`Abort` for a transaction aborted on purpose."""
        from kaidan_tui.services import slips
        from kaidan_tui.services.slips import LineIn, SlipIn

        rng = self.rng
        ledger = rng.choice(("KD", "SC"))
        lines = [
            LineIn(product=rng.choice(self.codes), qty=str(rng.randint(1, 5)))
            for _ in range(rng.randint(1, self.max_lines))
        ]
        order = SlipIn(
            customer=rng.choice(("K0001", "K0005")),
            settlement=rng.choice(("现款", "月结")),  # 月结 moves the kept balance (外欠)
            ledger=ledger,
            remarks=tag,
            lines=lines,
        )
        res = slips.post(self.db, order, user=self.user, approver=self.boss)
        return Ack(ledger, res.number, len(lines), res.total_amount)


def writer(path: str, seed: int, out: int, *, abort_rate: float = 0.15) -> NoReturn:
    """Post slips forever; report each one on file descriptor ``out`` once it is committed."""
    poster = Poster(path, seed, abort_rate, max_lines=12)
    os.write(out, b"ready\n")
    i = 0
    while True:
        i += 1
        try:
            ack = poster.post(f"crash {seed}-{i}")
        except Abort:
            continue
        os.write(out, f"ack {ack.ledger} {ack.number} {ack.lines} {ack.total}\n".encode())


# -- the parent side ------------------------------------------------------------------------


@dataclass
class Cycle:
    acks: list[Ack]
    ran_s: float
    killed: bool
    """False: the writer died by itself (a bug, not a crash we caused)."""


def _fork_cycle(path: str, seed: int, delay: float) -> Cycle:
    r, w = os.pipe()
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the writer
        os.close(r)
        try:
            writer(path, seed, w)
        finally:
            os._exit(3)
    os.close(w)
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    ran = time.monotonic() - t0
    with os.fdopen(r, "rb") as fh:
        out = fh.read()
    killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    return Cycle(parse_acks(out.decode()), ran, killed)


def _exec_cycle(path: str, seed: int, delay: float) -> Cycle:
    """A fresh interpreter; the delay counts from its ``ready`` line (imports take ~1 s)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.crash", "writer", path, str(seed)],
        cwd=REPO,
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    if first != b"ready\n":
        proc.kill()
        proc.wait()
        raise RuntimeError(f"writer did not start: {first!r}")
    t0 = time.monotonic()
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    rest = proc.stdout.read()
    code = proc.wait()
    return Cycle(parse_acks(rest.decode()), time.monotonic() - t0, code == -signal.SIGKILL)


@dataclass
class CrashReport:
    kills: int = 0
    acked: int = 0
    committed_unacked: int = 0
    """Slips committed whose ack the kill cut off (allowed: the clerk sees no number)."""
    posted_total: int = 0
    checks: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    acks: list[Ack] = field(default_factory=list)


def run(
    path: str,
    kills: int,
    *,
    seed: int = 1,
    max_delay: float = 0.4,
    exec_every: int = 0,
    check_every: int = 10,
    progress: Callable[[CrashReport], None] | None = None,
) -> CrashReport:
    """Kill ``kills`` writers at random moments; check the store every ``check_every`` kills
    and at the end. ``exec_every``: every n-th writer is a fresh interpreter (0: never)."""
    rng = random.Random(seed)
    report = CrashReport()
    t0 = time.monotonic()
    for k in range(1, kills + 1):
        delay = rng.uniform(0.0, max_delay)
        use_exec = exec_every > 0 and k % exec_every == 0
        cycle = (_exec_cycle if use_exec else _fork_cycle)(path, seed * 100_000 + k, delay)
        report.kills += 1
        report.acks.extend(cycle.acks)
        if not cycle.killed:
            report.problems.append(f"writer {k} exited by itself (see its stderr)")
            break
        if k % check_every == 0 or k == kills:
            found = check(path, report.acks)
            report.checks += 1
            report.problems.extend(f"after kill {k}: {p}" for p in found.problems)
            report.posted_total = found.posted
            report.committed_unacked = found.posted - found.baseline - len(report.acks)
            if report.problems:
                break
        if progress is not None:
            progress(report)
    report.acked = len(report.acks)
    report.seconds = time.monotonic() - t0
    return report


# -- the checks -----------------------------------------------------------------------------


@dataclass
class Checked:
    posted: int
    baseline: int
    problems: list[str]


_SERIES = """
SELECT ledger_id, type, year, COUNT(*), COUNT(DISTINCT seq), MIN(seq), MAX(seq),
       COUNT(DISTINCT number)
FROM slip WHERE seq IS NOT NULL GROUP BY ledger_id, type, year
"""
_COUNTERS = "SELECT ledger_id, slip_type, year, last_seq FROM number_counter"
_STOCK = """
SELECT k.product_id, k.warehouse_id,
       COALESCE((SELECT qty FROM stock s
                 WHERE s.product_id = k.product_id AND s.warehouse_id = k.warehouse_id), 0),
       COALESCE((SELECT SUM(qty) FROM stock_movement m
                 WHERE m.product_id = k.product_id AND m.warehouse_id = k.warehouse_id), 0)
FROM (SELECT product_id, warehouse_id FROM stock
      UNION SELECT product_id, warehouse_id FROM stock_movement) k
"""
_ORPHAN_MOVES = """
SELECT COUNT(*) FROM stock_movement m LEFT JOIN slip s ON s.id = m.slip_id
WHERE m.kind = 'slip' AND (s.id IS NULL OR s.status NOT IN ('posted', 'void', 'reversed'))
"""
_UNAUDITED = """
SELECT COUNT(*) FROM slip s WHERE s.number IS NOT NULL AND NOT EXISTS
  (SELECT 1 FROM audit_log a WHERE a.action = 'slip.post' AND a.entity_id = s.id)
"""
_BASELINE = "SELECT COUNT(*) FROM slip WHERE number IS NOT NULL AND remarks NOT LIKE 'crash %'"
_SLIPS = """
SELECT l.code, s.number, s.status, s.line_count, s.total_amount,
       (SELECT COUNT(*) FROM slip_line x WHERE x.slip_id = s.id),
       (SELECT COALESCE(SUM(amount), 0) FROM slip_line x WHERE x.slip_id = s.id),
       s.discount_amount
FROM slip s JOIN ledger l ON l.id = s.ledger_id WHERE s.number IS NOT NULL
"""


def _fen(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(Decimal("0.01"))


def check(path: str, acks: list[Ack]) -> Checked:
    """Everything we promise about a store after crashes; an empty ``problems`` is a pass."""
    problems: list[str] = []
    con = sqlite3.connect(path, timeout=30)
    try:
        integrity = [r[0] for r in con.execute("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            problems.append(f"integrity_check: {integrity[:5]}")
        fk = con.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            problems.append(f"foreign_key_check: {fk[:5]}")
        series = con.execute(_SERIES).fetchall()
        counters = {(r[0], r[1], r[2]): r[3] for r in con.execute(_COUNTERS)}
        for ledger_id, kind, year, n, distinct, lo, hi, numbers in series:
            if not (n == distinct == numbers == hi and lo == 1):
                problems.append(
                    f"series {ledger_id}/{kind}/{year}: {n} slips, {distinct} distinct seqs "
                    f"{lo}..{hi}, {numbers} distinct numbers (want exactly 1..N)"
                )
            if counters.get((ledger_id, kind, year)) != hi:
                problems.append(
                    f"series {ledger_id}/{kind}/{year}: counter "
                    f"{counters.get((ledger_id, kind, year))} but last number {hi}"
                )
        bad_stock = [r for r in con.execute(_STOCK) if r[2] != r[3]]
        if bad_stock:
            problems.append(f"stock != sum of movements (product, wh, stock, sum): {bad_stock[:5]}")
        if orphans := con.execute(_ORPHAN_MOVES).fetchone()[0]:
            problems.append(f"{orphans} stock movements of slips that were never posted")
        if unaudited := con.execute(_UNAUDITED).fetchone()[0]:
            problems.append(f"{unaudited} numbered slips without their audit row")
        baseline = con.execute(_BASELINE).fetchone()[0]
        slips = {(r[0], r[1]): r[2:] for r in con.execute(_SLIPS)}
    finally:
        con.close()
    for ack in acks:
        row = slips.get((ack.ledger, ack.number))
        if row is None:
            problems.append(f"acknowledged slip {ack.ledger} {ack.number} is missing")
            continue
        status, line_count, total, lines, line_sum, discount = row
        got = (status, line_count, lines, _fen(total), _fen(line_sum - discount))
        want = ("posted", ack.lines, ack.lines, ack.total, ack.total)
        if got != want:
            problems.append(f"slip {ack.ledger} {ack.number}: (status, line_count, lines, "
                            f"total, sum of lines) = {got}, acknowledged {want}")  # fmt: skip
    problems.extend(_audit_problems(path))
    return Checked(len(slips), baseline, problems)


def _audit_problems(path: str) -> list[str]:
    """The audit chain verifies, and every customer's kept balance (外欠) equals the one
    summed from their slips and payments."""
    from kaidan_tui.db.engine import Database
    from kaidan_tui.db.queries.accounts import check_balances
    from kaidan_tui.services.audit import verify_chain

    db = Database.open(path)
    try:
        with db.read() as s:
            chain = verify_chain(s)
            balances = check_balances(s)
    finally:
        db.dispose()
    out = [f"customer {code}: kept balance {kept}, history {summed}"
           for code, kept, summed in balances]  # fmt: skip
    if chain.broken_at is not None:
        out.append(f"audit chain broken at row {chain.broken_at} (of {chain.rows})")
    return out


def main(argv: list[str]) -> None:
    if len(argv) == 3 and argv[0] == "writer":
        with contextlib.suppress(BrokenPipeError):
            writer(argv[1], int(argv[2]), sys.stdout.fileno())
    raise SystemExit("usage: python -m tests.support.crash writer PATH SEED")


if __name__ == "__main__":
    main(sys.argv[1:])
