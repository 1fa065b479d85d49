"""Autosave writes, off the clerk's keystrokes and in the order they were asked for.

One thread per app takes saves and closes from a queue and writes them
(``services/autosave.py``): the screen never waits on the disk, and a close is never
overtaken by a save that was asked for before it. A write that fails is logged and
said once on the status line; it never stops the order on screen.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from kaidan_tui.db.engine import Database
from kaidan_tui.services import autosave
from kaidan_tui.services.autosave import Snapshot
from kaidan_tui.services.users import UserInfo

log = logging.getLogger(__name__)

Job = Callable[[], None]


class Autosaver:
    def __init__(self, db: Database, failed: Callable[[str], None]) -> None:
        self.db = db
        self.failed = failed  # called in the writer thread with what to tell the clerk
        self._jobs: queue.Queue[Job | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="autosave", daemon=True)
        self._thread.start()

    def save(
        self, key: str, snapshot: Snapshot, *, user: UserInfo, revision: int, summary: str
    ) -> None:
        self._jobs.put(
            lambda: autosave.save(
                self.db, key, snapshot, user=user, revision=revision, summary=summary
            )
        )

    def close(self, key: str, *, user: UserInfo, outcome: str) -> None:
        self._jobs.put(lambda: autosave.close(self.db, key, user=user, outcome=outcome))

    def flush(self) -> None:
        """Wait until every write asked for so far is done (tests; quitting)."""
        self._jobs.join()

    def stop(self) -> None:
        self._jobs.put(None)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                if job is None:
                    return
                job()
            except Exception as exc:  # the store is busy or gone: the screen keeps the order
                log.exception("autosave failed")
                self.failed(f"自动保存失败（{exc}）：本单仍在屏幕上，请尽快过账或挂单。")
            finally:
                self._jobs.task_done()
