"""The pepper: 32 secret bytes kept outside the database, owned by this module alone.

PIN hashes and the audit chain are keyed with it (HMAC-SHA256), so a copy of the
database alone lets nobody test PINs offline or rewrite the audit log unnoticed.

- Where: ``KAIDAN_PEPPER_FILE``, else ``$XDG_CONFIG_HOME/kaidan/pepper``
  (``~/.config/kaidan/pepper``), beside ``printers.toml``.
- Made ``0600`` on the first ``kaidan init`` / demo; refused if group or others can
  read it (as ssh refuses a private key), or if it is not 32 bytes.
- A store that uses a pepper records its fingerprint in the setting ``security.pepper_id``;
  every counter machine sharing that store (PostgreSQL) needs a copy of the same file.
- Loaded lazily and cached by the file's identity (inode, size, mtime); nothing at import.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from sqlmodel import Session

from kaidan_tui.db.models import Setting
from kaidan_tui.domain.errors import KaidanError

SIZE = 32
SETTING = "security.pepper_id"
"""Setting holding the fingerprint of the store's pepper; present = the store needs one."""
_SESSION_KEY = "kaidan_pepper"

_cache: dict[str, tuple[tuple[int, int, int], bytes]] = {}


class PepperError(KaidanError):
    """The pepper file is missing, unsafe, damaged or not the one this store uses."""


def path() -> Path:
    env = os.environ.get("KAIDAN_PEPPER_FILE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "kaidan" / "pepper"


_COPY_HINT = (
    "多台电脑共用一个数据库时，每台开单电脑都要有同一个密钥文件："
    "从第一台电脑复制过来（权限 600），或用环境变量 KAIDAN_PEPPER_FILE 指向它。"
)


def _read(where: Path) -> bytes | None:
    try:
        st = where.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise PepperError(f"无法读取密钥文件 {where}：{exc.strerror}。") from None
    if not stat.S_ISREG(st.st_mode):
        raise PepperError(f"密钥文件 {where} 不是普通文件。请检查 KAIDAN_PEPPER_FILE。")
    if st.st_mode & 0o077:
        raise PepperError(
            f"密钥文件 {where} 的权限是 {stat.S_IMODE(st.st_mode):o}，其他用户也能读，"
            f"不安全，已拒绝使用。请运行：chmod 600 {where}"
        )
    ident = (st.st_ino, st.st_size, st.st_mtime_ns)
    cached = _cache.get(str(where))
    if cached is not None and cached[0] == ident:
        return cached[1]
    try:
        data = where.read_bytes()
    except OSError as exc:
        raise PepperError(f"无法读取密钥文件 {where}：{exc.strerror}。") from None
    if len(data) != SIZE:
        raise PepperError(
            f"密钥文件 {where} 已损坏（应为 {SIZE} 字节，实为 {len(data)} 字节）。"
            "请从备份或其他开单电脑复制原来的密钥文件。"
        )
    _cache[str(where)] = (ident, data)
    return data


def load() -> bytes | None:
    """This machine's pepper, or None when there is no file (unsafe modes are refused)."""
    return _read(path())


def ensure() -> bytes:
    """The pepper, created (``0600``, 32 random bytes) when there is none yet."""
    where = path()
    found = _read(where)
    if found is not None:
        return found
    where.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(where, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return _required(where)
    try:
        os.write(fd, secrets.token_bytes(SIZE))
        os.fsync(fd)
    finally:
        os.close(fd)
    return _required(where)


def _required(where: Path) -> bytes:
    data = _read(where)
    if data is None:
        raise PepperError(f"找不到密钥文件 {where}。{_COPY_HINT}")
    return data


def fingerprint(pepper: bytes) -> str:
    """A public name for a pepper (it reveals nothing of it): which file a store expects."""
    return hmac.new(pepper, b"kaidan pepper id v1", hashlib.sha256).hexdigest()[:16]


def expected(session: Session) -> str | None:
    """The fingerprint this store records, or None for a store made before peppers."""
    row = session.get(Setting, SETTING)
    return row.value if row is not None and row.value else None


def for_store(session: Session) -> bytes | None:
    """The pepper this store uses (None for an old store without one), checked, cached
    for the session's transaction. Raises :class:`PepperError` in Chinese when the file is
    missing, unsafe or a different one."""
    if _SESSION_KEY in session.info:
        cached: bytes | None = session.info[_SESSION_KEY]
        return cached
    return checked(session, expected(session))


def cached(session: Session) -> tuple[bool, bytes | None]:
    """(known, pepper): what :func:`for_store` already found in this transaction."""
    if _SESSION_KEY in session.info:
        return True, session.info[_SESSION_KEY]
    return False, None


def checked(session: Session, want: str | None) -> bytes | None:
    """:func:`for_store` given the store's fingerprint setting, already read by the caller
    (the audit log reads it in the same statement as its chain head)."""
    pepper: bytes | None = None
    if want:
        where = path()
        data = _read(where)
        if data is None:
            raise PepperError(f"这个数据库需要密钥文件，但本机没有：{where}。{_COPY_HINT}")
        if fingerprint(data) != want:
            raise PepperError(
                f"密钥文件 {where} 不是这个数据库用的那一个（指纹 {fingerprint(data)}，"
                f"数据库要求 {want}）。{_COPY_HINT}"
            )
        pepper = data
    session.info[_SESSION_KEY] = pepper
    return pepper


def forget(session: Session) -> None:
    """Drop the session's cached answer (after the store starts using a pepper)."""
    session.info.pop(_SESSION_KEY, None)
