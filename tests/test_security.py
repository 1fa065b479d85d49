"""Pepper, keyed PIN hashes, the HMAC audit chain, and supervisor-only actions (issue 8)."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import stat
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.migrate import upgrade
from kaidan_tui.db.models import AuditLog, User
from kaidan_tui.domain.enums import Role
from kaidan_tui.domain.errors import PermissionDenied, PolicyViolation
from kaidan_tui.services import audit, day_end, lifecycle, settings, slips, spool, users
from kaidan_tui.services import pepper as peppers
from kaidan_tui.services.users import UserInfo
from tests.support.cli import kaidan


def _sale(price: str | None = None) -> slips.SlipIn:
    return slips.SlipIn(
        customer="K0015", lines=[slips.LineIn(product="YL0001", qty="1", price=price)]
    )


def _actions(db: Database, after: int = 0) -> list[str]:
    with db.read() as s:
        return list(
            s.exec(
                select(AuditLog.action).where(col(AuditLog.id) > after).order_by(col(AuditLog.id))
            )
        )


def _last_id(db: Database) -> int:
    with db.read() as s:
        return audit.head(s)[0]


# -- the pepper file ----------------------------------------------------------------------


def test_init_creates_the_pepper_0600_and_keys_the_store(
    empty_db: Database, _pepper_file: Path
) -> None:
    assert stat.S_IMODE(_pepper_file.stat().st_mode) == 0o600
    assert len(_pepper_file.read_bytes()) == peppers.SIZE
    with empty_db.read() as s:
        assert peppers.expected(s) == peppers.fingerprint(_pepper_file.read_bytes())
        first = s.exec(select(AuditLog).order_by(col(AuditLog.id))).first()
        assert first is not None and first.action == audit.KEY_MARKER
        report = audit.verify_chain(s)
    assert report.ok and report.keyed_from == first.id


def test_default_place_is_the_config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAIDAN_PEPPER_FILE")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert peppers.path() == tmp_path / "cfg" / "kaidan" / "pepper"
    key = peppers.ensure()
    assert peppers.ensure() == key  # made once, then read
    assert stat.S_IMODE(peppers.path().stat().st_mode) == 0o600


def test_readable_by_others_is_refused_like_ssh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    where = tmp_path / "pepper"
    monkeypatch.setenv("KAIDAN_PEPPER_FILE", str(where))
    peppers.ensure()
    os.chmod(where, 0o644)
    with pytest.raises(peppers.PepperError, match=re.escape(f"chmod 600 {where}")):
        peppers.load()
    os.chmod(where, 0o600)
    assert peppers.load() is not None
    where.write_bytes(b"short")
    os.chmod(where, 0o600)
    with pytest.raises(peppers.PepperError, match="已损坏"):
        peppers.load()


def test_a_keyed_store_refuses_to_work_without_its_pepper(
    demo_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAIDAN_PEPPER_FILE", str(tmp_path / "absent"))
    with pytest.raises(peppers.PepperError, match=r"需要密钥文件.*复制"):
        users.login(demo_db, "1001", "1234")
    monkeypatch.setenv("KAIDAN_PEPPER_FILE", str(tmp_path / "other"))
    peppers.ensure()  # a different machine's pepper
    with pytest.raises(peppers.PepperError, match="不是这个数据库用的那一个"):
        users.login(demo_db, "1001", "1234")
    assert _actions(demo_db)[-1] != "login"  # nothing was written


def test_cli_says_where_the_pepper_must_be_copied(store: str, tmp_path: Path) -> None:
    out = kaidan("users", "list", "--db", store)
    assert out.returncode == 0
    out = kaidan(
        "slip", "void", "XS20260001", "--reason", "x", "--supervisor", "8001", "--pin-stdin",
        "--db", store, stdin="8888\n", env={"KAIDAN_PEPPER_FILE": str(tmp_path / "none")},
    )  # fmt: skip
    assert out.returncode == 2 and "每台开单电脑" in out.stderr and "Traceback" not in out.stderr


# -- PIN hashes ---------------------------------------------------------------------------


def test_pin_hash_is_keyed_and_old_hashes_upgrade_on_login(demo_db: Database) -> None:
    key = peppers.load()
    assert key is not None
    keyed = users.hash_pin("1234", key)
    assert keyed.startswith("scrypt-hmac$")
    assert users.check_pin("1234", keyed, key)
    assert not users.check_pin("1234", keyed, None)  # the database alone is not enough
    assert not users.check_pin("1234", keyed, bytes(32))
    assert not users.check_pin("1234", "scrypt$99$x$1$zz$00", key)  # damaged: no exception
    with demo_db.write() as s:  # an account from before the pepper
        u = s.exec(select(User).where(User.code == "1001")).one()
        assert u.pin_hash.startswith("scrypt-hmac$")
        u.pin_hash = users.hash_pin("1234")
        s.add(u)
    with pytest.raises(PermissionDenied):
        users.login(demo_db, "1001", "9999")
    with demo_db.read() as s:
        assert s.exec(select(User.pin_hash).where(User.code == "1001")).one().startswith("scrypt$")
    users.login(demo_db, "1001", "1234")
    with demo_db.read() as s:
        stored = s.exec(select(User.pin_hash).where(User.code == "1001")).one()
    assert stored.startswith("scrypt-hmac$") and users.check_pin("1234", stored, key)
    users.login(demo_db, "1001", "1234")


# -- the audit chain ----------------------------------------------------------------------


def test_an_old_sha256_chain_keeps_verifying_and_is_keyed_from_a_marker(
    tmp_path: Path, _pepper_file: Path
) -> None:
    db = Database.open(str(tmp_path / "old.db"))
    upgrade(db.engine)
    with db.write() as s:  # a store made before peppers: no setting, plain hashes
        users.add_user(s, "8001", "主管", Role.SUPERVISOR, "8888")
        users.add_user(s, "1001", "张丽", Role.CLERK, "1234",
                       approver=users.get_user(s, "8001"))  # fmt: skip
        old = s.exec(select(User.pin_hash).where(User.code == "1001")).one()
        assert old.startswith("scrypt$")
    users.login(db, "1001", "1234")
    with db.read() as s:
        report = audit.verify_chain(s)
        assert report.ok and report.keyed_from is None and report.rows == 3
    with db.write() as s:
        assert audit.enable_pepper(s) is True
        assert audit.enable_pepper(s) is False
    users.login(db, "1001", "1234")
    with db.read() as s:
        report = audit.verify_chain(s)
        assert report.ok and report.keyed_from == 4 and report.rows == 5
        # the old rows stay plain SHA-256, the marker and later rows are keyed
        rows = s.exec(select(AuditLog).order_by(col(AuditLog.id))).all()
    key = _pepper_file.read_bytes()
    assert rows[2].hash == audit._hash(None, audit._row_payload(rows[2].prev_hash, rows[2]))
    assert rows[4].hash == audit._hash(key, audit._row_payload(rows[4].prev_hash, rows[4]))
    db.dispose()
    # an edit of an old (unkeyed) row is caught at the marker, which covers it
    con = sqlite3.connect(tmp_path / "old.db")
    with con:
        con.execute("DROP TRIGGER kd_append_only_audit_log")
        con.execute("UPDATE audit_log SET detail = '{\"x\": 1}' WHERE id = 2")
        con.execute("UPDATE audit_log SET hash = :h WHERE id = 2", {"h": "0" * 64})
    con.close()
    db = Database.open(str(tmp_path / "old.db"))
    with db.read() as s:
        report = audit.verify_chain(s)
    assert report.problem is audit.Problem.EDITED and report.broken_at == 2
    db.dispose()


def _tamper(store: str, sql: str) -> None:
    con = sqlite3.connect(store)
    with con:  # an attacker with the file: drops the guard first
        con.execute("DROP TRIGGER IF EXISTS kd_append_only_audit_log")
        con.execute("DROP TRIGGER IF EXISTS kd_no_delete_audit_log")
        con.execute(sql)
    con.close()


def test_verify_names_an_edited_keyed_row(store: str) -> None:
    # even an attacker who recomputes the row's SHA-256 cannot fit it: rows are HMACs
    con = sqlite3.connect(store)
    last = con.execute("SELECT MAX(id) FROM audit_log").fetchone()[0]
    con.close()
    _tamper(store, f"UPDATE audit_log SET user_id = NULL WHERE id = {last - 1}")
    out = kaidan("audit", "verify", "--db", store)
    assert out.returncode == 4
    assert f"第 {last - 1} 条记录" in out.stderr and "密钥不对" not in out.stderr


def test_verify_tells_a_wrong_pepper_from_an_edit(store: str, tmp_path: Path) -> None:
    other = tmp_path / "other-pepper"
    other.write_bytes(os.urandom(32))
    other.chmod(0o600)
    out = kaidan("audit", "verify", "--db", store, env={"KAIDAN_PEPPER_FILE": str(other)})
    assert out.returncode == 4 and "密钥不对" in out.stderr and "第 " in out.stderr
    out = kaidan("audit", "verify", "--db", store, env={"KAIDAN_PEPPER_FILE": str(tmp_path / "x")})
    assert out.returncode == 2 and "没有密钥文件" in out.stderr
    out = kaidan("audit", "verify", "--db", store)
    assert out.returncode == 0 and "密钥签名" in out.stdout


def test_removing_the_marker_or_a_row_is_caught(store: str) -> None:
    shutil.copy(store, store + ".2")
    _tamper(store, "DELETE FROM audit_log WHERE action = 'audit.key'")
    out = kaidan("audit", "verify", "--db", store)
    assert out.returncode == 4 and "与链不符" in out.stderr
    _tamper(store + ".2", "DELETE FROM audit_log WHERE id = 5")
    out = kaidan("audit", "verify", "--db", store + ".2")
    assert out.returncode == 4 and "第 6 条记录" in out.stderr


def test_every_change_appends_its_audit_row(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    """A scripted lifecycle: each step leaves its action in the chain, and the chain holds."""
    start = _last_id(demo_db)
    users.login(demo_db, "1001", "1234")
    with pytest.raises(PermissionDenied):
        users.login(demo_db, "1001", "0000")
    boss = users.approve(demo_db, "8001", "8888")
    a = slips.post(demo_db, _sale(), user=clerk, printer="demo").number
    b = slips.post(demo_db, _sale(price="60.00"), user=clerk, approver=boss).number  # override
    c = slips.post(demo_db, _sale(), user=clerk).number
    d = slips.post(demo_db, _sale(), user=clerk).number
    lifecycle.void(demo_db, a, reason="客户取消", user=clerk, approver=boss)
    lifecycle.reverse(demo_db, b, reason="退货", user=clerk, approver=boss)
    lifecycle.correct(demo_db, c, "address", "新地址 8 号", user=clerk)
    lifecycle.replace(demo_db, d, _sale(), reason="数量错", user=clerk, approver=boss)
    spool.reprint(demo_db, c, user=clerk, printer="demo")
    with demo_db.write() as s:
        users.add_user(s, "1009", "新人", Role.CLERK, "4321", approver=boss)
        users.reset_pin(s, "1009", "5678", approver=boss)
        users.unlock(s, "1009", approver=boss)
        settings.change(s, "credit_term_days", "45", approver=boss)
    day_end.close(demo_db, date.today() - timedelta(days=1), user=clerk, approver=boss)
    got = set(_actions(demo_db, start))
    want = {
        "login", "login.fail", "approve", "slip.post", "print.queue", "slip.void",
        "slip.reverse", "slip.correct", "slip.replace", "user.add", "user.pin", "user.unlock",
        "setting.change", "day.close",
    }  # fmt: skip
    assert want <= got, want - got
    with demo_db.read() as s:
        report = audit.verify_chain(s)
        close = s.exec(select(AuditLog).where(AuditLog.action == "day.close")).one()
    assert report.ok and f'"head_id": {close.id - 1}' in close.detail


def test_a_refused_change_writes_no_audit_row(demo_db: Database, clerk: UserInfo) -> None:
    before = _last_id(demo_db)
    with pytest.raises(PolicyViolation):
        slips.post(demo_db, _sale(price="0.01"), user=clerk)
    assert _last_id(demo_db) == before


def test_day_close_and_z_report_carry_the_chain_head(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    day = date.today() - timedelta(days=1)
    with demo_db.read() as s:
        head_id, head = audit.head(s)
    closed = day_end.close(demo_db, day, user=clerk, approver=supervisor)
    assert closed.audit_head == head
    lines = day_end.z_lines(demo_db, closed.row)
    assert f"审计链头 #{head_id}" in lines and f"  {head}" in lines


# -- supervisor-only actions, enforced in the services -------------------------------------


def test_a_clerk_is_refused_every_supervisor_action(demo_db: Database, clerk: UserInfo) -> None:
    number = slips.post(demo_db, _sale(), user=clerk).number
    before = _last_id(demo_db)
    forged = UserInfo(clerk.id, clerk.code, clerk.name, Role.SUPERVISOR)  # a lie about the role
    refused = [
        lambda who: slips.post(demo_db, _sale(price="60.00"), user=clerk, approver=who),
        lambda who: lifecycle.void(demo_db, number, reason="客户取消", user=clerk, approver=who),
        lambda who: lifecycle.reverse(demo_db, number, reason="客户取消", user=clerk, approver=who),
        lambda who: lifecycle.replace(demo_db, number, _sale(), reason="客户取消", user=clerk,
                                      approver=who),
        lambda who: day_end.close(demo_db, date.today(), user=clerk, approver=who),
    ]  # fmt: skip
    for action in refused:
        for who in (None, clerk):
            with pytest.raises((PermissionDenied, PolicyViolation)):
                action(who)
    for admin in (
        lambda s, who: users.add_user(s, "1010", "x", Role.SUPERVISOR, "1234", approver=who),
        lambda s, who: users.reset_pin(s, "8001", "1234", approver=who),
        lambda s, who: users.unlock(s, "8001", approver=who),
    ):
        for who in (None, clerk, forged):  # the store is asked, not the caller's object
            with pytest.raises(PermissionDenied), demo_db.write() as s:
                admin(s, who)
    with pytest.raises(PermissionDenied, match="不是主管"):
        users.approve(demo_db, "1001", "1234")
    assert set(_actions(demo_db, before)) <= {"approve", "login"}


def test_cli_user_admin(store: str) -> None:
    out = kaidan("user", "add", "1010", "--name", "赵", "--pin-stdin", "--db", store,
                 stdin="4321\n")  # fmt: skip
    assert out.returncode == 2 and "需要主管审批" in out.stderr
    out = kaidan("user", "add", "1010", "--name", "赵", "--supervisor", "8001", "--pin-stdin",
                 "--db", store, stdin="8888\n4321\n")  # fmt: skip
    assert out.returncode == 0, out.stderr
    for _ in range(5):
        kaidan("slip", "void", "X", "--reason", "r", "--supervisor", "1010", "--pin-stdin",
               "--db", store, stdin="0000\n")  # fmt: skip
    assert "锁定" in kaidan("users", "list", "--db", store).stdout
    out = kaidan("user", "unlock", "1010", "--supervisor", "1010", "--pin-stdin", "--db", store,
                 stdin="4321\n")  # fmt: skip
    assert out.returncode == 2
    out = kaidan("user", "unlock", "1010", "--supervisor", "8001", "--pin-stdin", "--db", store,
                 stdin="8888\n")  # fmt: skip
    assert out.returncode == 0, out.stderr
    out = kaidan("user", "pin", "1010", "--supervisor", "8001", "--pin-stdin", "--db", store,
                 stdin="8888\n7777\n")  # fmt: skip
    assert out.returncode == 0, out.stderr
    listed = kaidan("user", "list", "--db", store).stdout
    assert "1010\t赵\t开单员\n" in listed
    assert kaidan("audit", "verify", "--db", store).returncode == 0
