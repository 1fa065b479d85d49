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
