"""Which counter this is: ``KAIDAN_COUNTER`` (say ``2``), else the machine's name.

Autosaved orders and claimed held orders belong to a counter; a message names it the way
the shop does ("2 号柜台")."""

from __future__ import annotations

import os
import socket


def name() -> str:
    return (os.environ.get("KAIDAN_COUNTER") or socket.gethostname() or "本机").strip()[:64]


def label(counter: str) -> str:
    """``2`` → ``2 号柜台``; a machine name → ``柜台 pc-front``."""
    return f"{counter} 号柜台" if counter.isdigit() else f"柜台 {counter}"


def process() -> str:
    """This process, as an autosave's owner: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"[:80]


def is_live_elsewhere(owner: str) -> bool:
    """Whether ``owner`` (``host:pid``) is another process still running on this
    machine: a window that is still saving its order, not one that died. A process on
    another machine cannot be asked, and counts as not live."""
    host, _, pid_text = owner.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
