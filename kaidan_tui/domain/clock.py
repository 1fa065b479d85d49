"""The one clock of the app: what "now" and "today" are.

Every business date (a slip's day, a 红冲's day, the day a report defaults to) and every
recorded time (posted, voided, counted, audited) is read here, never straight from
``datetime``. Tests and the reference ledger move it with :func:`travel` so that several
business days can run in one process, and a test run that crosses midnight does not
change what "today" is halfway through. Nothing in the app moves it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

_offset = timedelta(0)


def now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC) + _offset


def today() -> date:
    """The local calendar date of :func:`now` (a business day is a local day)."""
    return now().astimezone().date()


@contextmanager
def travel(day: date, *, at: tuple[int, int] = (12, 0)) -> Iterator[None]:
    """Run the block as if the local time were ``day`` at ``at`` (hour, minute), with
    the clock still ticking. For tests only."""
    global _offset
    saved = _offset
    target = datetime(day.year, day.month, day.day, *at).astimezone()
    _offset = target - datetime.now(UTC)
    try:
        yield
    finally:
        _offset = saved
