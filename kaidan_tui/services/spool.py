"""The print spool: printing never loses a slip and never prints it twice unmarked.

- The print job is written in the transaction that posts the slip (``enqueue``); the
  slip is safe on disk before any printer is touched.
- :func:`run_once` claims pending jobs one at a time (``pending → sending`` in its own
  transaction, so two counters never send the same job), renders, sends, and records
  the outcome. A printer that cannot take the job leaves it ``pending`` with the reason;
  the next run retries. Jobs survive restarts because they live in the store.
- A connection that dropped mid-job makes the job ``uncertain``, and so does a job found
  ``sending`` long after its claim (the process died mid-send). Only the clerk can say
  whether it printed (:func:`resolve`); if not, the replacement is a 补打 copy.
- Every reprint is numbered (补打 n) and every outcome is in the audit log.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, func, update
from sqlmodel import Session, col, select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import PrintJob, Slip
from kaidan_tui.db.queries.slips import find_slip
from kaidan_tui.domain.enums import JobStatus, SlipStatus
from kaidan_tui.domain.errors import NotFound, StateError
from kaidan_tui.printing.config import PrinterConfig, PrintersConfig
from kaidan_tui.printing.render import render
from kaidan_tui.printing.transports import PrinterUnavailable, PrinterUncertain, send
from kaidan_tui.services import audit
from kaidan_tui.services.documents import slip_document
from kaidan_tui.services.users import UserInfo

FOREIGN_STALE_AFTER = timedelta(minutes=30)
"""A job claimed by another machine and still ``sending`` this long after: uncertain."""

HOST = socket.gethostname()[:50]


def station() -> str:
    """Who claims a job: this machine and process."""
    return f"{HOST}:{os.getpid()}"


_RUN_LOCK = threading.Lock()
_WANTED = threading.Event()
_IN_FLIGHT: set[int] = set()
log = logging.getLogger(__name__)


# -- queueing ---------------------------------------------------------------------------


def enqueue(
    session: Session, slip_id: int, printer: str, *, user_id: int | None, reprint: bool = False
) -> PrintJob:
    """Queue a print of a posted slip, inside the caller's transaction.

    A reprint (any job after the first) is numbered: 补打 1, 补打 2…
    """
    reprint_no = 0
    if reprint:
        previous = session.exec(
            select(func.max(PrintJob.reprint_no)).where(PrintJob.slip_id == slip_id)
        ).one()
        reprint_no = 0 if previous is None else previous + 1  # None: never queued before
    job = PrintJob(slip_id=slip_id, printer=printer, reprint_no=reprint_no, user_id=user_id)
    session.add(job)
    session.flush()
    audit.append(
        session,
        "print.queue",
        user_id=user_id,
        entity="slip",
        entity_id=slip_id,
        printer=printer,
        reprint=reprint_no,
    )
    return job


def reprint(db: Database, number: str, *, user: UserInfo, printer: str) -> JobView:
    """``kaidan print NUMBER`` / the reprint key: a new job, marked 补打 n if printed before."""
    with db.write() as session:
        slip = find_slip(session, number)
        assert slip.id is not None
        if slip.status in (SlipStatus.DRAFT, SlipStatus.HELD):
            raise StateError(f"单据 {number} 还没有过账，不能打印")
        job = enqueue(session, slip.id, printer, user_id=user.id, reprint=True)
        return _view(job, slip.number or "")


# -- the worker -------------------------------------------------------------------------


@dataclass(frozen=True)
class JobView:
    id: int
    slip_id: int
    number: str
    printer: str
    status: JobStatus
    reprint_no: int
    attempts: int
    last_error: str
    created_at: datetime

    def describe(self, label: Callable[[str], str] = str) -> str:
        """``XS…（补打 1） → 针式（演示文件）：待打印``: ``label`` names the printer as the
        counter knows it (:meth:`PrintersConfig.label`), not by its id."""
        mark = f"（补打 {self.reprint_no}）" if self.reprint_no else ""
        return f"{self.number}{mark} → {label(self.printer)}：{self.status.label}"


def _view(job: PrintJob, number: str) -> JobView:
    assert job.id is not None
    return JobView(
        job.id,
        job.slip_id,
        number,
        job.printer,
        JobStatus(job.status),
        job.reprint_no,
        job.attempts,
        job.last_error,
        job.created_at,
    )


@dataclass
class RunReport:
    sent: list[JobView]
    waiting: list[tuple[JobView, str]]
    uncertain: list[tuple[JobView, str]]
    failed: list[tuple[JobView, str]]

    @property
    def clean(self) -> bool:
        return not (self.waiting or self.uncertain or self.failed)


OPEN_STATES = (JobStatus.PENDING, JobStatus.SENDING, JobStatus.UNCERTAIN, JobStatus.FAILED)


def outstanding(db: Database, printers: Collection[str] | None = None) -> list[JobView]:
    """Jobs still to print or needing a person: pending, sending, uncertain, failed.

    ``printers``: only jobs for these printers (the ones this counter can reach).
    """
    with db.read() as session:
        query = (
            select(PrintJob, Slip.number)
            .join(Slip, col(Slip.id) == PrintJob.slip_id)
            .where(col(PrintJob.status).in_([s.value for s in OPEN_STATES]))
            .order_by(col(PrintJob.id))
        )
        if printers is not None:
            query = query.where(col(PrintJob.printer).in_(list(printers)))
        return [_view(job, number or "") for job, number in session.exec(query).all()]


def _owner_alive(station: str, job_id: int) -> bool | None:
    """Is the process that claimed a job still sending it? ``None``: another machine."""
    host, _, pid = station.rpartition(":")
    if host != HOST or not pid.isdigit():
        return None if host != HOST else False
    if int(pid) == os.getpid():
        return job_id in _IN_FLIGHT
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_stale(db: Database, *, now: datetime | None = None) -> int:
    """Jobs left ``sending`` by a process that died: uncertain (only the clerk can say).

    A claim from this machine is checked against its process; a claim from another
    machine is only given up after :data:`FOREIGN_STALE_AFTER` (clocks may differ).
    """
    cutoff = (now or datetime.now(UTC)) - FOREIGN_STALE_AFTER
    with db.read() as session:  # the usual case, every few seconds: nothing is sending
        sending = session.exec(
            select(PrintJob.id).where(PrintJob.status == JobStatus.SENDING.value)
        ).first()
    if sending is None:
        return 0
    with db.write() as session:
        claimed = session.exec(
            select(PrintJob).where(PrintJob.status == JobStatus.SENDING.value)
        ).all()
        stale = []
        for job in claimed:
            assert job.id is not None
            alive = _owner_alive(job.station, job.id)
            if alive is False or (alive is None and (job.claimed_at or cutoff) < cutoff):
                stale.append(job)
        for job in stale:
            job.status = JobStatus.UNCERTAIN.value
            job.last_error = "打印过程中程序中断，不确定是否打出"
            session.add(job)
            audit.append(session, "print.uncertain", user_id=None, entity="print_job",
                         entity_id=job.id, reason="stale", station=job.station)  # fmt: skip
        return len(stale)


def _claim(db: Database, job_id: int, now: datetime) -> bool:
    with db.write() as session:
        result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            update(PrintJob)
            .where(col(PrintJob.id) == job_id, col(PrintJob.status) == JobStatus.PENDING.value)
            .values(
                status=JobStatus.SENDING.value,
                attempts=col(PrintJob.attempts) + 1,
                claimed_at=now,
                station=station(),
            )
        )
        if result.rowcount:
            _IN_FLIGHT.add(job_id)
        return bool(result.rowcount)


def _finish(db: Database, job_id: int, status: JobStatus, error: str = "") -> JobView | None:
    """Record the outcome of our claim; ``None`` if the claim was taken from us meanwhile
    (recovered as uncertain and perhaps already answered by a clerk): never overwrite."""
    try:
        with db.write() as session:
            job = session.get(PrintJob, job_id)
            assert job is not None
            if job.status != JobStatus.SENDING.value or job.station != station():
                return None
            job.status = status.value
            job.last_error = error[:500]
            if status is JobStatus.SENT:
                job.sent_at = datetime.now(UTC)
            session.add(job)
            slip = session.get(Slip, job.slip_id)
            if status is not JobStatus.PENDING:
                audit.append(
                    session,
                    f"print.{status.value}",
                    user_id=job.user_id,
                    entity="print_job",
                    entity_id=job_id,
                    slip=slip.number if slip else None,
                    printer=job.printer,
                    reprint=job.reprint_no,
                    error=error or None,
                )
            return _view(job, slip.number or "" if slip else "")
    finally:
        _IN_FLIGHT.discard(job_id)


def run_once(
    db: Database,
    printers: PrintersConfig,
    *,
    sender: Callable[[PrinterConfig, bytes], None] = send,
) -> RunReport:
    """Send every pending job this counter's printers can take, oldest first.

    A printer that cannot take a job keeps its remaining jobs for the next run (order
    kept). A job that cannot be laid out is marked failed and blocks nothing. One run at
    a time per process: a run that finds another one going returns at once.
    """
    report = RunReport([], [], [], [])
    _WANTED.set()
    if not _RUN_LOCK.acquire(blocking=False):
        return report  # the run in progress goes round once more for what was just queued
    try:
        while _WANTED.is_set():
            _WANTED.clear()
            recover_stale(db)
            _run(db, printers, sender, report)
    finally:
        _RUN_LOCK.release()
    return report


def _run(
    db: Database,
    printers: PrintersConfig,
    sender: Callable[[PrinterConfig, bytes], None],
    report: RunReport,
) -> None:
    blocked: set[str] = set()
    with db.read() as session:
        pending = session.exec(
            select(PrintJob.id, PrintJob.printer)
            .where(PrintJob.status == JobStatus.PENDING.value)
            .where(col(PrintJob.printer).in_(list(printers.printers)))
            .order_by(col(PrintJob.id))
        ).all()
    for job_id, name in pending:
        assert job_id is not None
        cfg = printers.printers[name]
        if name in blocked or not _claim(db, job_id, datetime.now(UTC)):
            continue  # printer refused this run, or another counter took the job
        try:
            with db.read() as session:
                job = session.get(PrintJob, job_id)
                assert job is not None
                doc = slip_document(
                    session,
                    job.slip_id,
                    reprint_no=job.reprint_no,
                    printed_at=job.created_at if job.reprint_no else None,
                )
            data = render(doc, cfg)
        except Exception as exc:  # this slip cannot be laid out: say why, block nothing
            log.exception("print job %s cannot be rendered", job_id)
            message = f"打印机 {cfg.display}：这张单无法排版打印（{exc}）"
            if view := _finish(db, job_id, JobStatus.FAILED, message):
                report.failed.append((view, message))
            continue
        try:
            sender(cfg, data)
        except PrinterUnavailable as exc:
            blocked.add(name)
            if view := _finish(db, job_id, JobStatus.PENDING, str(exc)):
                report.waiting.append((view, str(exc)))
        except PrinterUncertain as exc:
            if view := _finish(db, job_id, JobStatus.UNCERTAIN, str(exc)):
                report.uncertain.append((view, str(exc)))
        except Exception as exc:  # a driver bug: the bytes may have gone out
            log.exception("print job %s: unexpected error while sending", job_id)
            message = f"打印机 {cfg.display}：发送时出错（{exc}），不确定是否打出"
            if view := _finish(db, job_id, JobStatus.UNCERTAIN, message):
                report.uncertain.append((view, message))
        else:
            if view := _finish(db, job_id, JobStatus.SENT):
                report.sent.append(view)


def resolve(db: Database, job_id: int, *, printed: bool, user: UserInfo) -> JobView | None:
    """The clerk's answer for an uncertain job. Not printed → a 补打 job replaces it."""
    with db.write() as session:
        job = session.get(PrintJob, job_id)
        if job is None or job.status != JobStatus.UNCERTAIN.value:
            raise StateError("这个打印任务不是“不确定”状态，无需确认")
        job.status = (JobStatus.SENT if printed else JobStatus.REPLACED).value
        job.resolved_by_id = user.id
        job.resolved_at = datetime.now(UTC)
        job.note = "开单员确认已打出" if printed else "开单员确认未打出，已补打"
        session.add(job)
        audit.append(
            session,
            "print.confirm" if printed else "print.not_printed",
            user_id=user.id,
            entity="print_job",
            entity_id=job_id,
        )
        if printed:
            return None
        slip = session.get(Slip, job.slip_id)
        new = enqueue(session, job.slip_id, job.printer, user_id=user.id, reprint=True)
        return _view(new, slip.number or "" if slip else "")


def cancel(db: Database, job_id: int, *, user: UserInfo, reason: str) -> JobView:
    """Withdraw a job that has not printed (its printer is gone); kept, with who and why."""
    if not reason.strip():
        raise StateError("撤销打印任务要写明原因")
    with db.write() as session:
        job = _open_job(session, job_id, (JobStatus.PENDING, JobStatus.FAILED))
        job.status = JobStatus.CANCELLED.value
        job.resolved_by_id, job.resolved_at = user.id, datetime.now(UTC)
        job.note = f"撤销：{reason.strip()}"[:200]
        session.add(job)
        audit.append(session, "print.cancel", user_id=user.id, entity="print_job",
                     entity_id=job_id, reason=reason.strip())  # fmt: skip
        return _view(job, _number(session, job))


def reroute(db: Database, job_id: int, printer: str, *, user: UserInfo) -> JobView:
    """Send a waiting or failed job to another printer (or retry a failed one)."""
    with db.write() as session:
        job = _open_job(session, job_id, (JobStatus.PENDING, JobStatus.FAILED))
        old = job.printer
        job.printer, job.status, job.last_error = printer, JobStatus.PENDING.value, ""
        session.add(job)
        audit.append(session, "print.reroute", user_id=user.id, entity="print_job",
                     entity_id=job_id, old=old, new=printer)  # fmt: skip
        return _view(job, _number(session, job))


def _open_job(session: Session, job_id: int, allowed: tuple[JobStatus, ...]) -> PrintJob:
    job = session.get(PrintJob, job_id)
    if job is None:
        raise NotFound(f"没有打印任务 {job_id}")
    if job.status not in {s.value for s in allowed}:
        state = JobStatus(job.status).label
        raise StateError(f"打印任务 {job_id} 的状态是“{state}”，不能这样处理")
    return job


def _number(session: Session, job: PrintJob) -> str:
    slip = session.get(Slip, job.slip_id)
    return slip.number or "" if slip else ""


def history(db: Database, number: str) -> list[JobView]:
    """Every print job of a slip, oldest first (what was printed, where, when, 补打 n)."""
    with db.read() as session:
        slip = find_slip(session, number)
        jobs = session.exec(
            select(PrintJob).where(PrintJob.slip_id == slip.id).order_by(col(PrintJob.id))
        ).all()
        return [_view(job, slip.number or "") for job in jobs]
