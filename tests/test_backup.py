"""kaidan backup: a consistent online copy, rotation, the PostgreSQL hint, the day close."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from kaidan_tui.db.engine import Database
from kaidan_tui.db.migrate import HEAD_REVISION
from kaidan_tui.services import backup, daily, day_end, settings
from kaidan_tui.services.users import UserInfo, get_user
from tests.support import crash
from tests.support.cli import kaidan


def _acks(out: Path) -> list[crash.Ack]:
    return crash.parse_acks(out.read_bytes().decode())


def _wait_for(out: Path, n: int) -> list[crash.Ack]:
    deadline = time.monotonic() + 120
    while len(acks := _acks(out)) < n:
        assert time.monotonic() < deadline, "the writer posted nothing"
        time.sleep(0.05)
    return acks


@pytest.mark.slow
def test_backup_while_another_process_posts_is_a_consistent_copy(
    store: str, tmp_path: Path
) -> None:
    out = tmp_path / "writer.out"
    with out.open("wb") as fh:
        writer = subprocess.Popen(
            [sys.executable, "-m", "tests.support.crash", "writer", store, "7"],
            cwd=crash.REPO,
            stdout=fh,
        )
    db = Database.open(store)
    try:
        made = []
        for i in range(3):
            before = _wait_for(out, 5 + 10 * i)  # acknowledged before the copy began
            info = backup.backup(db, folder=tmp_path / "bk", now=datetime(2026, 1, 1, 12, 0, i))
            made.append((info, before))
        during = len(_acks(out))
    finally:
        writer.kill()
        writer.wait()
        db.dispose()
    assert during > len(made[0][1]), "the writer kept posting while the copies were taken"
    for info, before in made:
        assert stat.S_IMODE(info.path.stat().st_mode) == 0o600
        assert info.size == info.path.stat().st_size > 0 and info.revision == HEAD_REVISION
        con = sqlite3.connect(info.path)
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        con.close()
        # whole and consistent: integrity, numbers 1..N, stock = movements, audit chain,
        # and every slip acknowledged before the copy began is in it
        assert crash.check(str(info.path), before).problems == []
    assert not list((tmp_path / "bk").glob(".*.tmp"))


def test_rotation_keeps_exactly_the_newest_n(demo_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "bk"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    (folder / "other-20250101-000000.db").write_bytes(b"")
    start = datetime(2026, 3, 1, 18, 0, 0)
    for i in range(5):
        backup.backup(demo_db, folder=folder, now=start + timedelta(days=i))
    backup.backup(demo_db, folder=folder, now=start + timedelta(days=4))  # same second: -2
    removed = backup.prune(folder, "demo", 3)
    left = sorted(p.name for p in folder.iterdir())
    assert len(removed) == 3
    assert left == [
        "demo-20260304-180000.db",
        "demo-20260305-180000-2.db",
        "demo-20260305-180000.db",
        "notes.txt",
        "other-20250101-000000.db",
    ]
    with demo_db.write() as s:
        settings.change(s, settings.BACKUP_DIR, str(folder), approver=get_user(s, "8001"))
        settings.change(s, settings.BACKUP_KEEP, "2", approver=get_user(s, "8001"))
    for i in range(3):
        done = backup.after_close(demo_db, now=start + timedelta(days=10 + i))
        assert not done.failed and done.info is not None
    assert sorted(p.name for p in folder.glob("demo-*.db")) == [
        "demo-20260312-180000.db",
        "demo-20260313-180000.db",
    ]


def test_settings_check_the_backup_folder_and_count(demo_db: Database) -> None:
    from kaidan_tui.domain.errors import InputError

    with demo_db.write() as s:
        with pytest.raises(InputError, match="完整路径"):
            settings.change(s, settings.BACKUP_DIR, "relative/dir", approver=get_user(s, "8001"))
        with pytest.raises(InputError, match="0 到 3650"):
            settings.change(s, settings.BACKUP_KEEP, "-1", approver=get_user(s, "8001"))
        assert settings.change(s, settings.BACKUP_KEEP, "0", approver=get_user(s, "8001")) == "0"
    assert "已关闭" in backup.after_close(demo_db).message


def test_day_close_takes_a_backup_and_a_failed_one_does_not_undo_it(
    demo_db: Database, supervisor: UserInfo, tmp_path: Path
) -> None:
    folder = tmp_path / "nightly"
    with demo_db.write() as s:
        settings.change(s, settings.BACKUP_DIR, str(folder), approver=get_user(s, "8001"))
    closed = day_end.close(demo_db, date(2025, 6, 1), user=supervisor, approver=supervisor)
    assert closed.backup.info is not None and closed.backup.info.path.parent == folder
    assert "已自动备份到" in closed.backup.message
    assert crash.check(str(closed.backup.info.path), []).problems == []

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with demo_db.write() as s:
        settings.change(s, settings.BACKUP_DIR, str(blocker / "sub"), approver=get_user(s, "8001"))
    closed = day_end.close(demo_db, date(2025, 6, 2), user=supervisor, approver=supervisor)
    assert closed.backup.failed and "日结已完成，但自动备份失败" in closed.backup.message
    assert daily.report(demo_db, date(2025, 6, 2)).closed  # the close stands


def test_cli_backup_default_place_and_to(store: str, tmp_path: Path) -> None:
    out = kaidan("backup", "--db", store)
    assert out.returncode == 0, out.stderr
    made = list((Path(store).parent / "backups").glob("x-*.db"))
    assert len(made) == 1 and str(made[0]) in out.stdout and "已备份到" in out.stdout
    target = tmp_path / "usb" / "kaidan.db"
    target.parent.mkdir()
    target.write_text("yesterday's copy")
    out = kaidan("backup", "--to", str(target), "--db", store)  # there: refused, kept
    assert out.returncode == 2 and "已经存在" in out.stderr and "--replace" in out.stderr
    assert target.read_text() == "yesterday's copy"
    out = kaidan("backup", "--to", str(target), "--replace", "--db", store)
    assert out.returncode == 0, out.stderr
    con = sqlite3.connect(target)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    missing = kaidan("backup", "--db", str(tmp_path / "none.db"))
    assert missing.returncode == 2 and "不存在" in missing.stderr
    assert not (tmp_path / "none.db").exists()


def test_backup_never_writes_over_the_stores_own_files(store: str) -> None:
    """--to shop.db-wal with the store open reported success and lost two slips: the
    store's -wal/-shm/-journal and anything not a regular file are refused, even with
    --replace, and the store is untouched."""
    from kaidan_tui.db.engine import Database
    from kaidan_tui.services import lookup

    db = Database.open(store)  # open: the -wal and -shm exist
    before = len(lookup.find(db, "", size=100)[0])
    for end in ("-wal", "-shm", "-journal"):
        out = kaidan("backup", "--to", store + end, "--replace", "--db", store)
        assert out.returncode == 2 and "数据库正在用的文件" in out.stderr, (end, out.stderr)
    out = kaidan("backup", "--to", "/dev/null", "--replace", "--db", store)
    assert out.returncode == 2 and "不是普通文件" in out.stderr
    assert len(lookup.find(db, "", size=100)[0]) == before
    db.dispose()


def test_cli_backup_of_postgresql_says_pg_dump() -> None:
    out = kaidan("backup", "--db", "postgresql+psycopg://kaidan:s3cret@db.local/kaidan")
    assert out.returncode == 2
    assert "pg_dump" in out.stderr and "Traceback" not in out.stderr
    assert "s3cret" not in out.stderr and "db.local" in out.stderr
