"""kaidan-error.log: where an unexpected error's traceback goes, so that the clerk sees a
message in Chinese and the support person still has the details. Shared by the CLI and
the counter screen."""

from __future__ import annotations

import os
import traceback
from pathlib import Path

from kaidan_tui.db.location import default_data_dir


def log_path() -> Path:
    return default_data_dir() / "kaidan-error.log"


def write(error: BaseException | None = None, *, context: str = "") -> Path:
    """Append ``error``'s traceback (the one being handled, if none is given) to the
    log, created 0600 because it may hold customer data. Returns where it went (os.devnull
    when the log cannot be written: reporting must never fail in turn)."""
    log = log_path()
    if error is None:
        text = traceback.format_exc()
    else:
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    if context:
        text = f"--- {context}\n{text}"
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)  # an older, wider log is narrowed too
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(text)
    except OSError:
        return Path(os.devnull)
    return log
