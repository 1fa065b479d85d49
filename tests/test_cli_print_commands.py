"""`kaidan print NUMBER`, `print pending` and `print job …`, in process (CliRunner), and
the old one-command spellings that still reach them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kaidan_tui.cli import app
from kaidan_tui.cli.printing import _modern
from kaidan_tui.db.engine import Database
from kaidan_tui.domain.enums import JobStatus
from kaidan_tui.services import spool
from tests.test_cli_print import write_printers

COMMANDS = {"slip", "pending", "job"}
runner = CliRunner()


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        (["XS20260001", "--preview"], ["slip", "XS20260001", "--preview"]),
        (["--pending", "--db", "s.db"], ["pending", "--db", "s.db"]),
        (["--printed", "7"], ["job", "printed", "7"]),
        (["--not-printed=7", "--db", "s.db"], ["job", "not-printed", "7", "--db", "s.db"]),
        (["--cancel", "7", "--reason", "卡纸"], ["job", "cancel", "7", "--reason", "卡纸"]),
        (["--db", "s.db", "--reroute", "7", "--printer", "lq"],
         ["job", "reroute", "7", "--db", "s.db", "--printer", "lq"]),
        (["pending"], ["pending"]),
        (["job", "cancel", "7"], ["job", "cancel", "7"]),
        (["--help"], ["--help"]),
        ([], []),
    ],
)  # fmt: skip
def test_old_spellings_reach_the_new_commands(typed: list[str], meant: list[str]) -> None:
    assert _modern(typed, COMMANDS) == meant


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def _open_jobs(store: str) -> list[spool.JobView]:
    db = Database.open(store)
    try:
        return spool.outstanding(db)
    finally:
        db.dispose()


def test_a_slip_for_an_offline_printer_waits_then_is_cancelled(store: str, tmp_path: Path) -> None:
    printers = write_printers(tmp_path, 9)  # nothing listens on port 9
    code, out = _run("print", "XS20260001", "--db", store, "--printers", printers)
    assert code == 3 and "连不上" in out
    [job] = _open_jobs(store)
    assert job.status is JobStatus.PENDING
    code, out = _run("print", "pending", "--db", store, "--printers", printers)
    assert code == 3  # still offline: still waiting
    code, out = _run("print", "job", "cancel", str(job.id), "--reason", "打印机坏了",
                     "--db", store, "--printers", printers)  # fmt: skip
    assert code == 0 and f"已撤销任务 {job.id}" in out
    assert _open_jobs(store) == []
    code, out = _run("print", "pending", "--db", store, "--printers", printers)
    assert code == 0


def test_the_old_spelling_reroutes_a_waiting_job(store: str, tmp_path: Path) -> None:
    printers = write_printers(tmp_path, 9)
    _run("print", "XS20260001", "--db", store, "--printers", printers)
    [job] = _open_jobs(store)
    code, out = _run("print", "job", "reroute", str(job.id), "--db", store, "--printers", printers)
    assert code == 2 and "--printer 指定打印机" in out
    code, out = _run("print", "--reroute", str(job.id), "--printer", "paper",
                     "--db", store, "--printers", printers)  # fmt: skip
    assert code == 0, out
    assert "已打印 XS20260001" in out and (tmp_path / "paper.bin").stat().st_size > 0
    assert _open_jobs(store) == []
