"""Backups of a SQLite store, taken online while counters keep posting.

:func:`backup` copies the store with SQLite's backup API in one step, so the copy is a
single consistent snapshot (a WAL reader never blocks writers). The copy is written to a
hidden temporary file (mode 0600) beside the destination, switched to a plain rollback
journal, checked (``PRAGMA integrity_check`` and the same migration revision as the
store), synced, and only then renamed to its name: a backup that exists is whole.

The day close (:func:`after_close`) takes one to the ``backup_dir`` setting (empty: a
``backups/`` folder beside the store) and keeps the last ``backup_keep`` of them (0: no
automatic backup). A failed backup never undoes the close; it is reported.

PostgreSQL stores are backed up with ``pg_dump``; :func:`backup` says so.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from kaidan_tui.db.engine import Database, sqlite_path
from kaidan_tui.domain.errors import InputError, KaidanError


class BackupUnsupported(KaidanError):
    """The store is not a SQLite file (PostgreSQL): use the database's own tools."""


class BackupFailed(KaidanError):
    """The copy could not be made or did not check out; no file was left under its name."""


@dataclass(frozen=True, slots=True)
class BackupInfo:
    path: Path
    size: int
    revision: str

    @property
    def message(self) -> str:
        return f"已备份到 {self.path}（{human_size(self.size)}，数据库版本 {self.revision}）"


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} 字节"
    value, unit = size / 1024, "KB"
    for bigger in ("MB", "GB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:.1f} {unit}"


def pg_dump_hint(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        shown = make_url(url).set(drivername="postgresql").render_as_string(hide_password=True)
    except Exception:
        shown = "<数据库 URL>"
    return (
        "PostgreSQL 数据库请用 pg_dump 备份（kaidan backup 只复制 SQLite 文件），例如：\n"
        f"  pg_dump --format=custom --file=kaidan-$(date +%Y%m%d).dump '{shown}'\n"
        "恢复用 pg_restore。"
    )


def default_folder(store: Path) -> Path:
    return store.parent / "backups"


def _stamp_re(stem: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(stem)}-(\d{{8}}-\d{{6}})(?:-(\d+))?\.db$")


def free_name(folder: Path, stem: str, now: datetime) -> Path:
    """``<stem>-YYYYmmdd-HHMMSS.db`` in ``folder``, with ``-2``, ``-3`` … if taken."""
    base = f"{stem}-{now:%Y%m%d-%H%M%S}"
    path = folder / f"{base}.db"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"{base}-{n}.db"
    return path


def _revision(con: sqlite3.Connection) -> str | None:
    try:
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return str(row[0]) if row else None


def _fsync(path: Path, *, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy(db: Database, tmp: Path) -> str:
    """Snapshot the store into ``tmp`` in one backup step; return the store's revision."""
    raw = db.engine.raw_connection()
    try:
        src = raw.driver_connection
        assert isinstance(src, sqlite3.Connection)
        revision = _revision(src)
        if revision is None:
            raise BackupFailed("这个数据库还没有初始化（没有版本号），不是 kaidan 的数据库。")
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst, pages=-1)  # all pages in one step: one consistent snapshot
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dst.close()
    finally:
        raw.close()
    return revision


def _verify(tmp: Path, revision: str) -> None:
    con = sqlite3.connect(f"file:{tmp}?mode=ro", uri=True)
    try:
        result = [r[0] for r in con.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            raise BackupFailed(f"备份文件自检失败（integrity_check：{'；'.join(result[:3])}）。")
        got = _revision(con)
        if got != revision:
            raise BackupFailed(f"备份文件的数据库版本是 {got}，应为 {revision}。")
    finally:
        con.close()


_COMPANIONS = ("-wal", "-shm", "-journal")


def backup(
    db: Database,
    to: Path | None = None,
    *,
    folder: Path | None = None,
    now: datetime | None = None,
    replace: bool = False,
) -> BackupInfo:
    """Copy the store to ``to`` (or a new timestamped file in ``folder``, default
    ``backups/`` beside the store). An existing ``to`` is refused unless ``replace``, and
    then only a regular file is replaced, by a checked copy; the store's own -wal, -shm
    and -journal files never are (replacing the -wal lost acknowledged slips)."""
    store = sqlite_path(db.url)
    if store is None:
        raise BackupUnsupported(pg_dump_hint(db.url))
    if to is None:
        target_dir = folder if folder is not None else default_folder(store)
        target_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        to = free_name(target_dir, store.stem, now or datetime.now())
    to = to.expanduser().absolute()
    if to.resolve() == store.resolve():
        raise InputError("备份文件不能就是数据库本身，请换一个路径。", field="to")
    if to.is_dir():
        raise InputError(f"{to} 是一个文件夹；请给出备份文件的路径。", field="to")
    companions = {store.with_name(store.name + end).resolve() for end in _COMPANIONS}
    if to.resolve() in companions:
        raise InputError(
            f"{to} 是数据库正在用的文件（{'、'.join(_COMPANIONS)}），不能当备份：请换一个路径。",
            field="to",
        )
    if to.exists() or to.is_symlink():
        if not to.is_file():
            raise InputError(f"{to} 不是普通文件（设备或特殊文件），不能写备份：请换一个路径。",
                             field="to")  # fmt: skip
        if not replace:
            raise InputError(f"{to} 已经存在，没有覆盖。换一个路径，或加 --replace 覆盖它。",
                             field="to")  # fmt: skip
    to.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = to.with_name(f".{to.name}.{os.getpid()}.tmp")
    try:
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        revision = _copy(db, tmp)
        _verify(tmp, revision)
        _fsync(tmp)
        os.replace(tmp, to)
        _fsync(to.parent, directory=True)
    except KaidanError:
        tmp.unlink(missing_ok=True)
        raise
    except (OSError, sqlite3.Error) as exc:
        tmp.unlink(missing_ok=True)
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise BackupFailed(f"备份到 {to} 失败：{why}。请检查路径、权限和磁盘空间。") from exc
    return BackupInfo(to, to.stat().st_size, revision)


def prune(folder: Path, stem: str, keep: int) -> list[Path]:
    """Delete the oldest ``<stem>-YYYYmmdd-HHMMSS[-n].db`` files beyond the newest ``keep``.

    Only files named that way are touched; anything else in the folder stays.
    """
    pattern = _stamp_re(stem)
    found = []
    for p in folder.iterdir() if folder.is_dir() else ():
        m = pattern.match(p.name)
        if m and p.is_file():
            found.append(((m.group(1), int(m.group(2) or 1)), p))
    found.sort()
    doomed = [p for _, p in found[: max(0, len(found) - keep)]]
    for p in doomed:
        p.unlink(missing_ok=True)
    return doomed


@dataclass(frozen=True, slots=True)
class AutoBackup:
    """What the day close's backup did: made one, was switched off, or failed."""

    info: BackupInfo | None = None
    removed: list[Path] = field(default_factory=list)
    error: str | None = None
    note: str = ""

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def message(self) -> str:
        if self.error is not None:
            return (
                f"日结已完成，但自动备份失败：{self.error}"
                " 请检查设置 backup_dir，并手工运行 kaidan backup。"
            )
        if self.info is None:
            return self.note
        gone = f"，删除了 {len(self.removed)} 份旧备份" if self.removed else ""
        return f"已自动{self.info.message.removeprefix('已')}{gone}。"


def after_close(db: Database, *, now: datetime | None = None) -> AutoBackup:
    """The day close's backup; never raises (the close is already committed)."""
    from kaidan_tui.services import settings

    try:
        store = sqlite_path(db.url)
        if store is None:
            return AutoBackup(note="PostgreSQL 数据库不自动备份，请用 pg_dump 定时备份。")
        with db.read() as s:
            folder_text = settings.get(s, settings.BACKUP_DIR, "")
            default_keep = settings.KNOWN[settings.BACKUP_KEEP][0]
            keep = int(settings.get(s, settings.BACKUP_KEEP, default_keep) or default_keep)
        if keep <= 0:
            return AutoBackup(note="自动备份已关闭（backup_keep = 0）。")
        folder = Path(folder_text).expanduser() if folder_text else default_folder(store)
        info = backup(db, folder=folder, now=now)
        removed = prune(folder, store.stem, keep)
        return AutoBackup(info=info, removed=removed)
    except KaidanError as exc:
        return AutoBackup(error=exc.message)
    except Exception as exc:  # a backup must never turn a done close into a failure
        return AutoBackup(error=f"{type(exc).__name__}: {exc}")
