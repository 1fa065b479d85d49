"""Where the store is: ``--db``/``KAIDAN_DB`` to a URL, the user data folder.

Kept free of SQLAlchemy so the command line can check a path before the heavy imports
(the app's cold start).
"""

from __future__ import annotations

import os
from pathlib import Path


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "kaidan"


def resolve_url(db: str | None) -> str:
    """``--db`` value (or ``KAIDAN_DB``, or the user data dir) → an SQLAlchemy URL."""
    value = db or os.environ.get("KAIDAN_DB") or str(default_data_dir() / "kaidan.db")
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


def sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return Path(url.removeprefix("sqlite:///"))
    return None
