"""Users, PINs and approvals.

PINs are hashed with scrypt (``maxmem`` set). Five wrong PINs lock the user for a delay
that doubles with every further failure. Supervisor-only actions check the role here,
so neither the TUI nor the CLI can bypass it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import User
from kaidan_tui.domain.enums import Role
from kaidan_tui.domain.errors import InputError, NotFound, PermissionDenied
from kaidan_tui.domain.text import clean_text
from kaidan_tui.services import audit

_N, _R, _P = 2**14, 8, 1
_MAXMEM = 64 * 1024 * 1024
MAX_FAILURES = 5
_BASE_LOCK = timedelta(seconds=30)
_MAX_LOCK = timedelta(hours=1)
_PIN_RE = re.compile(r"^\d{4,8}$")


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    code: str
    name: str
    role: Role

    @property
    def is_supervisor(self) -> bool:
        return self.role is Role.SUPERVISOR


def _info(user: User) -> UserInfo:
    assert user.id is not None
    return UserInfo(user.id, user.code, user.name, Role(user.role))


def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, maxmem=_MAXMEM)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def check_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    got = hashlib.scrypt(
        pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), maxmem=_MAXMEM
    )
    return hmac.compare_digest(got.hex(), digest)


def validate_pin(pin: str) -> str:
    if not _PIN_RE.match(pin):
        raise InputError("PIN 必须是 4 到 8 位数字。", field="pin")
    return pin


def add_user(session: Session, code: str, name: str, role: Role, pin: str) -> UserInfo:
    code = clean_text(code)
    if not code:
        raise InputError("用户编码不能为空。", field="code")
    if session.exec(select(User).where(User.code == code)).first() is not None:
        raise InputError(f"用户编码「{code}」已存在，请换一个编码。", field="code")
    user = User(
        code=code,
        name=clean_text(name) or code,
        role=role.value,
        pin_hash=hash_pin(validate_pin(pin)),
    )
    session.add(user)
    session.flush()
    audit.append(
        session,
        "user.add",
        user_id=None,
        entity="user",
        entity_id=user.id,
        code=code,
        role=role.value,
    )
    return _info(user)


def _login(session: Session, code: str, pin: str, *, action: str) -> UserInfo:
    user = session.exec(select(User).where(User.code == clean_text(code))).first()
    if user is None or not user.active:
        raise NotFound(f"没有编码为「{code}」的在用用户，请检查编码。", field="code")
    now = datetime.now(UTC)
    if user.locked_until is not None and user.locked_until > now:
        wait = int((user.locked_until - now).total_seconds()) + 1
        raise PermissionDenied(
            f"用户「{code}」PIN 错误次数过多，已锁定，请 {wait} 秒后再试。", field="pin"
        )
    if not check_pin(pin, user.pin_hash):
        user.failed_attempts += 1
        left = MAX_FAILURES - user.failed_attempts
        if left <= 0:
            delay = min(_BASE_LOCK * 2 ** (-left), _MAX_LOCK)
            user.locked_until = now + delay
            msg = f"PIN 错误，用户「{code}」已锁定 {int(delay.total_seconds())} 秒。"
        else:
            msg = f"PIN 错误，还可以再试 {left} 次。"
        session.add(user)
        audit.append(session, f"{action}.fail", user_id=user.id, entity="user", entity_id=user.id)
        raise PermissionDenied(msg, field="pin")
    user.failed_attempts = 0
    user.locked_until = None
    session.add(user)
    audit.append(session, action, user_id=user.id, entity="user", entity_id=user.id)
    return _info(user)


def _checked(db: Database, code: str, pin: str, action: str) -> UserInfo:
    failure: PermissionDenied | None = None
    with db.write() as session:
        try:
            return _login(session, code, pin, action=action)
        except PermissionDenied as exc:
            failure = exc  # the failure count is committed, then the error is raised
    raise failure


def login(db: Database, code: str, pin: str) -> UserInfo:
    """Check a clerk's code and PIN. Failures are counted even though the login fails."""
    return _checked(db, code, pin, "login")


def approve(db: Database, code: str, pin: str) -> UserInfo:
    """A supervisor's code + PIN for an approval (price override, credit, void …)."""
    info = _checked(db, code, pin, "approve")
    if not info.is_supervisor:
        raise PermissionDenied(
            f"「{info.name}」不是主管，不能审批。请主管输入编码和 PIN。", field="code"
        )
    return info


def get_user(session: Session, code: str) -> UserInfo:
    user = session.exec(select(User).where(User.code == code)).first()
    if user is None:
        raise NotFound(f"没有编码为「{code}」的用户。", field="code")
    return _info(user)
