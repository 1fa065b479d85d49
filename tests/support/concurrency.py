"""Many counters on one machine: ``procs`` processes post slips into one SQLite store at once.

Each process opens the store as a counter would, waits for the common start, then posts
through :func:`kaidan_tui.services.slips.post` until its time is up, some transactions
aborting on purpose after their number was taken. Whatever ``post`` raises is recorded:
a ``database is locked`` (or any other ``OperationalError``) reaching the caller is a
failure. Used by ``tests/test_concurrency.py`` and ``bench/concurrency_bench.py``; the
store is checked afterwards with :func:`tests.support.crash.check`.
"""

from __future__ import annotations

import multiprocessing
import statistics
import time
from dataclasses import dataclass, field
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event

from tests.support.crash import Abort, Ack, Poster


@dataclass
class WorkerResult:
    worker: int
    acks: list[Ack] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    aborts: int = 0
    errors: list[str] = field(default_factory=list)


def counter(
    path: str,
    worker: int,
    seconds: float,
    abort_rate: float,
    ready: Queue[int],
    go: Event,
    results: Queue[WorkerResult],
) -> None:
    """One counter: post for ``seconds`` after ``go``; put a :class:`WorkerResult`."""
    poster = Poster(path, worker, abort_rate, max_lines=8)
    out = WorkerResult(worker)
    ready.put(worker)
    go.wait()
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        i += 1
        t0 = time.perf_counter()
        try:
            ack = poster.post(f"counter {worker}-{i}")
        except Abort:
            out.aborts += 1
            continue
        except Exception as exc:  # anything else reached the clerk: a failure
            out.errors.append(f"{type(exc).__name__}: {exc}"[:300])
            continue
        out.latencies_ms.append((time.perf_counter() - t0) * 1000)
        out.acks.append(ack)
    poster.db.dispose()
    results.put(out)


@dataclass
class ConcurrencyReport:
    procs: int
    seconds: float
    results: list[WorkerResult]

    @property
    def acks(self) -> list[Ack]:
        return [a for r in self.results for a in r.acks]

    @property
    def errors(self) -> list[str]:
        return [e for r in self.results for e in r.errors]

    @property
    def aborts(self) -> int:
        return sum(r.aborts for r in self.results)

    def latency(self, q: float) -> float:
        s = sorted(x for r in self.results for x in r.latencies_ms)
        if not s:
            return 0.0
        return s[min(len(s) - 1, round(q * (len(s) - 1)))]

    def summary(self) -> str:
        lat = [x for r in self.results for x in r.latencies_ms]
        per = ", ".join(str(len(r.acks)) for r in sorted(self.results, key=lambda r: r.worker))
        return (
            f"{self.procs} processes × {self.seconds:.0f} s: {len(self.acks)} slips posted "
            f"({len(self.acks) / self.seconds:.1f} slips/s), {self.aborts} aborted on purpose, "
            f"{len(self.errors)} errors reached the caller\n"
            f"post latency p50={statistics.median(lat) if lat else 0:.1f} ms  "
            f"p95={self.latency(0.95):.1f} ms  max={max(lat, default=0):.1f} ms\n"
            f"slips per process: {per}"
        )


def run(path: str, procs: int, seconds: float, *, abort_rate: float = 0.1) -> ConcurrencyReport:
    """Start ``procs`` counters (spawned: each a fresh interpreter), release them together."""
    ctx = multiprocessing.get_context("spawn")
    ready: Queue[int] = ctx.Queue()
    results: Queue[WorkerResult] = ctx.Queue()
    go = ctx.Event()
    workers = [
        ctx.Process(target=counter, args=(path, w, seconds, abort_rate, ready, go, results))
        for w in range(procs)
    ]
    for p in workers:
        p.start()
    try:
        for _ in workers:
            ready.get(timeout=180)
        go.set()
        got = [results.get(timeout=seconds + 180) for _ in workers]
    finally:
        for p in workers:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    return ConcurrencyReport(procs, seconds, got)
