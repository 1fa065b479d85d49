"""Users, PINs and approvals.

PINs are hashed with scrypt (``maxmem`` set) over HMAC-SHA256(pepper, PIN), tagged
``scrypt-hmac$``; a copy of the database alone is not enough to test PINs offline. Old
``scrypt$`` hashes (no pepper) still verify and are rehashed on the next good login.
Five wrong PINs lock the user for a delay that doubles with every further failure.
Supervisor-only actions check the role here, so neither the TUI nor the CLI can bypass
it; user admin (add, reset PIN, unlock, deactivate) needs a supervisor too, except the
very first supervisor of a new store.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import User
from kaidan_tui.domain.enums import Role
from kaidan_tui.domain.errors import InputError, NotFound, PermissionDenied
from kaidan_tui.domain.text import clean_text
from kaidan_tui.services import audit
from kaidan_tui.services import pepper as peppers

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


PEPPERED = "scrypt-hmac"
"""Scheme tag of a PIN hash keyed with the pepper; plain ``scrypt`` is the old one."""


def _secret(pin: str, pepper: bytes | None) -> bytes:
    if pepper is None:
        return pin.encode()
    return hmac.new(pepper, pin.encode(), hashlib.sha256).digest()


def hash_pin(pin: str, pepper: bytes | None = None) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(_secret(pin, pepper), salt=salt, n=_N, r=_R, p=_P, maxmem=_MAXMEM)
    scheme = "scrypt" if pepper is None else PEPPERED
    return f"{scheme}${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def check_pin(pin: str, stored: str, pepper: bytes | None = None) -> bool:
    try:
        scheme, n_text, r_text, p_text, salt_hex, digest = stored.split("$")
        n, r, p, salt = int(n_text), int(r_text), int(p_text), bytes.fromhex(salt_hex)
    except ValueError:
        return False
    if scheme == PEPPERED:
        if pepper is None:
            return False
        secret = _secret(pin, pepper)
    elif scheme == "scrypt":
        secret = _secret(pin, None)
    else:
        return False
    try:
        got = hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM)
    except ValueError:  # parameters out of range: a damaged hash
        return False
    return hmac.compare_digest(got.hex(), digest)


def needs_rehash(stored: str, pepper: bytes | None) -> bool:
    return pepper is not None and not stored.startswith(PEPPERED + "$")


def validate_pin(pin: str) -> str:
    if not _PIN_RE.match(pin):
        raise InputError("PIN 必须是 4 到 8 位数字。", field="pin")
    return pin


def _supervisor_exists(session: Session) -> bool:
    query = select(User.id).where(User.role == Role.SUPERVISOR.value, User.active == True)  # noqa: E712
    return session.exec(query.limit(1)).first() is not None


def require_admin(session: Session, approver: UserInfo | None, what: str) -> UserInfo | None:
    """User admin needs an active supervisor (checked against the store, not only the
    caller's object). Only while a store has no supervisor at all may the first one be
    created without."""
    if approver is None:
        if not _supervisor_exists(session):
            return None
        raise PermissionDenied(f"{what}需要主管审批：请主管输入编码和 PIN。", field="code")
    row = session.get(User, approver.id)
    if row is None or not row.active or row.role != Role.SUPERVISOR.value:
        raise PermissionDenied(
            f"{what}需要主管审批：「{approver.name}」不是在用的主管。", field="code"
        )
    return approver


def add_user(
    session: Session,
    code: str,
    name: str,
    role: Role,
    pin: str,
    *,
    approver: UserInfo | None = None,
) -> UserInfo:
    """A new clerk or supervisor (a supervisor approves; the first one of a store may not)."""
    boss = require_admin(session, approver, "新增用户")
    code = clean_text(code)
    if not code:
        raise InputError("用户编码不能为空。", field="code")
    if session.exec(select(User).where(User.code == code)).first() is not None:
        raise InputError(f"用户编码「{code}」已存在，请换一个编码。", field="code")
    user = User(
        code=code,
        name=clean_text(name) or code,
        role=role.value,
        pin_hash=hash_pin(validate_pin(pin), peppers.for_store(session)),
    )
    session.add(user)
    session.flush()
    audit.append(
        session,
        "user.add",
        user_id=boss.id if boss else None,
        entity="user",
        entity_id=user.id,
        code=code,
        role=role.value,
    )
    return _info(user)


def _user(session: Session, code: str) -> User:
    user = session.exec(select(User).where(User.code == clean_text(code))).first()
    if user is None:
        raise NotFound(f"没有编码为「{code}」的用户。", field="code")
    return user


def _unlocked(
    session: Session, code: str, approver: UserInfo | None, what: str, action: str
) -> tuple[User, UserInfo]:
    """A supervisor-only change to another user that also lifts any lock on them."""
    boss = require_admin(session, approver, what)
    if boss is None:
        raise PermissionDenied(f"{what}需要主管审批：请主管输入编码和 PIN。", field="code")
    user = _user(session, code)
    user.failed_attempts = 0
    user.locked_until = None
    session.add(user)
    audit.append(session, action, user_id=boss.id, entity="user", entity_id=user.id,
                 code=user.code)  # fmt: skip
    return user, boss


def reset_pin(session: Session, code: str, pin: str, *, approver: UserInfo | None) -> UserInfo:
    """A supervisor sets a new PIN (forgotten PIN); the lock and failure count are cleared."""
    new = validate_pin(pin)
    user, _boss = _unlocked(session, code, approver, "重设 PIN", "user.pin")
    user.pin_hash = hash_pin(new, peppers.for_store(session))
    return _info(user)


def unlock(session: Session, code: str, *, approver: UserInfo | None) -> UserInfo:
    """A supervisor lifts a lock after too many wrong PINs."""
    user, _boss = _unlocked(session, code, approver, "解锁用户", "user.unlock")
    return _info(user)


@dataclass(frozen=True, slots=True)
class UserRow:
    code: str
    name: str
    role: Role
    active: bool
    locked_until: datetime | None
    failed_attempts: int


def list_users(session: Session) -> list[UserRow]:
    rows = session.exec(select(User).order_by(col(User.code))).all()
    return [
        UserRow(u.code, u.name, Role(u.role), u.active, u.locked_until, u.failed_attempts)
        for u in rows
    ]


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
    pepper = peppers.for_store(session)
    if not check_pin(pin, user.pin_hash, pepper):
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
    upgraded = needs_rehash(user.pin_hash, pepper)
    if upgraded:  # an old hash without the pepper: replaced now the PIN is known good
        user.pin_hash = hash_pin(pin, pepper)
    session.add(user)
    audit.append(session, action, user_id=user.id, entity="user", entity_id=user.id,
                 **({"rehashed": True} if upgraded else {}))  # fmt: skip
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


# -- the same, each in its own transaction (what the CLI and the screens call) ----------


def create(
    db: Database, code: str, name: str, role: Role, pin: str, *, approver: UserInfo | None
) -> UserInfo:
    with db.write() as session:
        return add_user(session, code, name, role, pin, approver=approver)


def change_pin(db: Database, code: str, pin: str, *, approver: UserInfo) -> UserInfo:
    with db.write() as session:
        return reset_pin(session, code, pin, approver=approver)


def release(db: Database, code: str, *, approver: UserInfo) -> UserInfo:
    """Unlock a user locked out by wrong PINs."""
    with db.write() as session:
        return unlock(session, code, approver=approver)


def everyone(db: Database) -> list[UserRow]:
    with db.read() as session:
        return list_users(session)


def operator(db: Database, code: str) -> UserInfo:
    """The user a command acts as."""
    with db.read() as session:
        return get_user(session, code)
