"""The print spool against a fake raw-port printer: nothing lost, nothing doubled."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import PrintJob, Slip
from kaidan_tui.domain.enums import JobStatus
from kaidan_tui.domain.errors import PolicyViolation
from kaidan_tui.printing import config as printer_config
from kaidan_tui.printing.config import PrintersConfig
from kaidan_tui.services import slips, spool
from kaidan_tui.services.users import UserInfo
from tests.support.fake_printer import FakePrinter
from tests.support.printer_bytes import decode


@pytest.fixture
def printer() -> Iterator[FakePrinter]:
    fake = FakePrinter()
    fake.start()
    yield fake
    fake.stop()


def tcp_config(port: int, tmp_path: Path) -> PrintersConfig:
    raw = {
        "printers": {
            "lq": {"kind": "tcp", "host": "127.0.0.1", "port": port, "protocol": "escp",
                   "timeout": 2},
            "pos": {"kind": "tcp", "host": "127.0.0.1", "port": port, "protocol": "escpos",
                    "columns": 48, "timeout": 2},
            "file": {"kind": "file", "path": str(tmp_path / "out.bin"), "protocol": "escp"},
        },
        "routing": {"sale": "lq"},
    }  # fmt: skip
    return printer_config.parse(raw, source="test.toml")


def post_one(db: Database, clerk: UserInfo, printer: str | None, customer: str = "K0001") -> str:
    slip_in = slips.SlipIn(
        customer=customer, settlement="现款", lines=[slips.LineIn(product="YL0001", qty="2")]
    )
    return slips.post(db, slip_in, user=clerk, printer=printer).number


def jobs(db: Database) -> list[PrintJob]:
    with db.read() as s:
        return list(s.exec(select(PrintJob).order_by(PrintJob.id)))  # type: ignore[arg-type]


def numbers_printed(data: list[bytes], protocol: str = "escp") -> list[tuple[str, bool]]:
    """(slip number, marked 补打) for every complete copy the printer received."""
    out = []
    for job in data:
        text = decode(job, protocol).text
        number = next(line for line in text.splitlines() if "单号：" in line)
        out.append((number.split("单号：")[1].split()[0], "补打" in text))
    return out


def test_print_job_is_written_with_the_slip(demo_db: Database, clerk: UserInfo) -> None:
    number = post_one(demo_db, clerk, "lq")
    [job] = jobs(demo_db)
    with demo_db.read() as s:
        slip = s.exec(select(Slip).where(Slip.number == number)).one()
    assert (job.slip_id, job.printer, job.status, job.reprint_no) == (slip.id, "lq", "pending", 0)
    bad = slips.SlipIn(
        customer="K0001", lines=[slips.LineIn(product="YL0001", qty="2", price="0.01")]
    )
    with pytest.raises(PolicyViolation):
        slips.post(demo_db, bad, user=clerk, printer="lq")
    assert len(jobs(demo_db)) == 1  # the failed post left no job behind


def test_refused_accepted_dropped(
    demo_db: Database, clerk: UserInfo, printer: FakePrinter, tmp_path: Path
) -> None:
    cfg = tcp_config(printer.port, tmp_path)
    posted = [post_one(demo_db, clerk, "lq") for _ in range(3)]

    printer.stop()  # printer off: connection refused
    report = spool.run_once(demo_db, cfg)
    assert not report.sent and len(report.waiting) == 1  # the rest wait behind the first
    assert "连不上" in report.waiting[0][1] and "lq" in report.waiting[0][1]
    assert [j.status for j in jobs(demo_db)] == ["pending"] * 3
    assert spool.outstanding(demo_db)[0].last_error.startswith("打印机 lq：连不上")

    printer.start()  # back on: everything prints once, in order
    report = spool.run_once(demo_db, cfg)
    assert [v.number for v in report.sent] == posted
    assert numbers_printed(printer.jobs) == [(n, False) for n in posted]

    dropped = post_one(demo_db, clerk, "lq")
    printer.mode = "drop"
    report = spool.run_once(demo_db, cfg)
    assert [v.number for v, _ in report.uncertain] == [dropped]
    assert "可能只打了一部分" in report.uncertain[0][1]
    assert len(printer.partial) == 1 and len(printer.jobs) == 3

    printer.mode = "accept"
    assert spool.run_once(demo_db, cfg).sent == []  # uncertain is never resent silently
    [uncertain] = [v for v in spool.outstanding(demo_db) if v.status is JobStatus.UNCERTAIN]
    again = spool.resolve(demo_db, uncertain.id, printed=False, user=clerk)
    assert again is not None and again.reprint_no == 1
    spool.run_once(demo_db, cfg)
    assert numbers_printed(printer.jobs)[-1] == (dropped, True)  # the second copy is 补打

    copies = numbers_printed(printer.jobs)
    for number in [*posted, dropped]:
        unmarked = [c for c in copies if c == (number, False)]
        assert len(unmarked) <= 1, number
        assert any(n == number for n, _ in copies), number
    assert spool.outstanding(demo_db) == []


@pytest.mark.parametrize(("mode", "message"), [("offline", "脱机"), ("paper_out", "缺纸")])
def test_receipt_printer_status_is_checked_before_sending(
    demo_db: Database,
    clerk: UserInfo,
    printer: FakePrinter,
    tmp_path: Path,
    mode: str,
    message: str,
) -> None:
    cfg = tcp_config(printer.port, tmp_path)
    number = post_one(demo_db, clerk, "pos")
    printer.mode = mode
    report = spool.run_once(demo_db, cfg)
    assert message in report.waiting[0][1]
    assert printer.jobs == [] and printer.partial == []  # nothing was sent
    printer.mode = "accept"
    [sent] = spool.run_once(demo_db, cfg).sent
    assert sent.number == number
    parts = decode(printer.jobs[0], "escpos").chunks
    assert [c.rows[-1][:3] for c in parts] == ["第一联", "第二联", "第三联", "第四联"]


def test_job_interrupted_mid_send_becomes_uncertain(
    demo_db: Database, clerk: UserInfo, tmp_path: Path
) -> None:
    cfg = tcp_config(9, tmp_path)
    post_one(demo_db, clerk, "file")
    [job] = jobs(demo_db)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    with demo_db.write() as s:  # a process on this machine claimed it and died while sending
        row = s.get(PrintJob, job.id)
        assert row is not None
        row.status, row.claimed_at = "sending", datetime.now(UTC)
        row.station = f"{spool.HOST}:{dead.stdout.strip()}"
        s.add(row)
    report = spool.run_once(demo_db, cfg)
    assert report.sent == []
    [view] = spool.outstanding(demo_db)
    assert view.status is JobStatus.UNCERTAIN
    assert spool.resolve(demo_db, view.id, printed=True, user=clerk) is None
    assert [j.status for j in jobs(demo_db)] == ["sent"]
    assert not (tmp_path / "out.bin").exists()  # confirmed printed: no second copy


def test_reprints_are_numbered(demo_db: Database, clerk: UserInfo, tmp_path: Path) -> None:
    cfg = tcp_config(9, tmp_path)
    number = post_one(demo_db, clerk, "file")
    first = spool.reprint(demo_db, number, user=clerk, printer="file")
    second = spool.reprint(demo_db, number, user=clerk, printer="file")
    assert (first.reprint_no, second.reprint_no) == (1, 2)
    assert len(spool.run_once(demo_db, cfg).sent) == 3
    text = decode((tmp_path / "out.bin").read_bytes(), "escp").text
    assert text.count(f"单号：{number}") == 3
    assert "补打 1" in text and "补打 2" in text


def test_jobs_survive_a_restart(demo_template: Path, tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    path.write_bytes(demo_template.read_bytes())
    db = Database.open(str(path))
    from kaidan_tui.services import users

    clerk = users.login(db, "1001", "1234")
    number = post_one(db, clerk, "file")
    db.dispose()
    reopened = Database.open(str(path))
    report = spool.run_once(reopened, tcp_config(9, tmp_path))
    assert [v.number for v in report.sent] == [number]
    reopened.dispose()


def _one(raw: dict[str, object]) -> printer_config.PrinterConfig:
    return printer_config.parse({"printers": {"p": raw}}, source="t").get("p")


@pytest.mark.parametrize(
    "raw",
    [
        {"kind": "serial", "device": "/dev/ttyS-none", "protocol": "escpos", "columns": 48},
        {"kind": "usb", "vendor_id": "04b8", "product_id": "0202", "protocol": "escpos"},
        {"kind": "usb", "device": "/nonexistent/usb/lp0"},
        {"kind": "tcp", "host": "127.0.0.1", "port": 9, "timeout": 1},
    ],
)
def test_missing_devices_leave_nothing_sent(raw: dict[str, object]) -> None:
    from kaidan_tui.printing.transports import PrinterUnavailable, send

    with pytest.raises(PrinterUnavailable) as info:
        send(_one(raw), b"\x1b@hello")
    assert str(info.value).startswith("打印机 p：")


def test_cups_raw_queue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kaidan_tui.printing.transports import PrinterUnavailable, send

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    lp = bin_dir / "lp"
    lp.write_text(
        "#!/bin/sh\n"
        f'[ "$2" = "LQ" ] || {{ echo "lp: The printer or class does not exist." >&2; exit 1; }}\n'
        f'echo "$@" > {tmp_path}/args; cat > {tmp_path}/job\n',
        encoding="utf-8",
    )
    lp.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    send(_one({"kind": "cups", "queue": "LQ"}), b"\x1b@job")
    assert (tmp_path / "job").read_bytes() == b"\x1b@job"
    assert (tmp_path / "args").read_text().split() == ["-d", "LQ", "-o", "raw"]
    with pytest.raises(PrinterUnavailable, match="拒收：lp: The printer or class does not exist"):
        send(_one({"kind": "cups", "queue": "NOPE"}), b"x")


def test_a_voided_slip_reprints_stamped_void(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo, tmp_path: Path
) -> None:
    number = post_one(demo_db, clerk, None)
    with demo_db.write() as s:  # the void itself is the lookup issue's service
        slip = s.exec(select(Slip).where(Slip.number == number)).one()
        slip.status, slip.void_reason = "void", "客户取消"
        slip.voided_by_id, slip.voided_at = supervisor.id, datetime.now(UTC)
        s.add(slip)
    spool.reprint(demo_db, number, user=clerk, printer="file")
    spool.run_once(demo_db, tcp_config(9, tmp_path))
    text = decode((tmp_path / "out.bin").read_bytes(), "escp").text
    assert "★ 作废 ★" in text and "作废：客户取消" in text and f"单号：{number}" in text


@pytest.mark.parametrize(
    ("station", "minutes_ago", "recovered"),
    [
        ("{host}:1", 60, False),  # a live process here (pid 1) is still sending
        ("other-pc:4242", 5, False),  # another machine: its clock may differ, wait
        ("other-pc:4242", 45, True),  # … but not for ever
    ],
)
def test_only_dead_claims_are_recovered(
    demo_db: Database, clerk: UserInfo, station: str, minutes_ago: int, recovered: bool
) -> None:
    post_one(demo_db, clerk, "file")
    [job] = jobs(demo_db)
    with demo_db.write() as s:
        row = s.get(PrintJob, job.id)
        assert row is not None
        row.status = "sending"
        row.claimed_at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
        row.station = station.format(host=spool.HOST)
        s.add(row)
    assert spool.recover_stale(demo_db) == int(recovered)
    [after] = jobs(demo_db)
    assert after.status == ("uncertain" if recovered else "sending")


def test_a_late_finish_never_overwrites_the_clerks_answer(
    demo_db: Database, clerk: UserInfo, tmp_path: Path
) -> None:
    """A send that outlives its claim (recovered as uncertain, answered 'not printed')
    must not turn the job into 'sent' when it finally returns."""
    post_one(demo_db, clerk, "file")

    def slow_sender(cfg: object, data: bytes) -> None:
        [job] = [j for j in jobs(demo_db) if j.status == "sending"]
        with demo_db.write() as s:  # meanwhile: declared uncertain, and answered
            row = s.get(PrintJob, job.id)
            assert row is not None
            row.status = "uncertain"
            s.add(row)
        spool.resolve(demo_db, job.id or 0, printed=False, user=clerk)

    report = spool.run_once(demo_db, tcp_config(9, tmp_path), sender=slow_sender)
    assert report.sent == []
    assert sorted((j.status, j.reprint_no) for j in jobs(demo_db)) == [
        ("pending", 1),
        ("replaced", 0),
    ]


def test_overlapping_runs_in_one_process_send_each_job_once(
    demo_db: Database, clerk: UserInfo, tmp_path: Path
) -> None:
    import threading

    for _ in range(4):
        post_one(demo_db, clerk, "file")
    gate = threading.Event()
    sent: list[bytes] = []

    def sender(cfg: object, data: bytes) -> None:
        gate.wait(5)
        sent.append(data)

    cfg = tcp_config(9, tmp_path)
    first = threading.Thread(target=spool.run_once, args=(demo_db, cfg), kwargs={"sender": sender})
    first.start()
    second = spool.run_once(demo_db, cfg, sender=sender)  # finds the first one running
    gate.set()
    first.join(10)
    assert second.sent == []
    assert len(sent) == 4
    assert [j.status for j in jobs(demo_db)] == ["sent"] * 4


def test_a_slip_that_cannot_be_laid_out_blocks_nothing(
    demo_db: Database, clerk: UserInfo, tmp_path: Path
) -> None:
    first = post_one(demo_db, clerk, "file")
    second = post_one(demo_db, clerk, "file")
    calls = {"n": 0}

    def render_fails_once(doc: object, cfg: object) -> bytes:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ValueError("版面错误")
        from kaidan_tui.printing.render import render

        return render(doc, cfg)  # type: ignore[arg-type]

    import kaidan_tui.services.spool as spool_module

    original = spool_module.render
    spool_module.render = render_fails_once  # type: ignore[assignment]
    try:
        report = spool.run_once(demo_db, tcp_config(9, tmp_path))
    finally:
        spool_module.render = original
    assert [v.number for v, _ in report.failed] == [first]
    assert [v.number for v in report.sent] == [second]
    [failed] = [v for v in spool.outstanding(demo_db) if v.status is JobStatus.FAILED]
    assert "无法排版" in failed.last_error
    again = spool.reroute(demo_db, failed.id, "file", user=clerk)  # fixed: try again
    assert again.status is JobStatus.PENDING
    assert [v.number for v in spool.run_once(demo_db, tcp_config(9, tmp_path)).sent] == [first]


def test_library_printer_status_stops_the_job(monkeypatch: pytest.MonkeyPatch) -> None:
    """Serial / USB-by-id: paper out answered to DLE EOT 4 means nothing is sent."""
    from kaidan_tui.printing import transports
    from kaidan_tui.printing.transports.library import LibraryTransport

    class FakeLibraryPrinter:
        def __init__(self) -> None:
            self.raw: list[bytes] = []

        def open(self) -> None: ...

        def close(self) -> None: ...

        def query_status(self, mode: bytes) -> bytes:
            return b"\x12" if mode.endswith(b"\x01") else b"\x72"

        def _raw(self, data: bytes) -> None:
            self.raw.append(data)

    fake = FakeLibraryPrinter()
    monkeypatch.setattr(LibraryTransport, "connect", lambda cfg: fake)
    cfg = _one({"kind": "serial", "device": "/dev/ttyS0", "protocol": "escpos", "columns": 48})
    with pytest.raises(transports.PrinterUnavailable, match="缺纸"):
        transports.send(cfg, b"slip")
    outcome = transports.transport(cfg).send(b"slip")
    assert isinstance(outcome, transports.NotSent) and "缺纸" in str(outcome.problem)
    assert fake.raw == []
