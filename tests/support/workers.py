"""Code run in child processes by the concurrency tests (importable by spawn)."""

from __future__ import annotations

import contextlib
import random

from kaidan_tui.db.engine import Database
from kaidan_tui.services import slips
from kaidan_tui.services.slips import LineIn, SlipIn
from kaidan_tui.services.users import get_user


class Abort(Exception):
    pass


def post_many(path: str, worker: int, count: int, abort_rate: float) -> list[str]:
    """Post ``count`` slips; abort some transactions after the number was taken."""
    db = Database.open(path)
    rng = random.Random(worker)
    with db.read() as s:
        user = get_user(s, "1001")
    real_move = slips.move_stock
    posted: list[str] = []

    def flaky_move(*args, **kwargs):  # type: ignore[no-untyped-def]
        real_move(*args, **kwargs)
        if rng.random() < abort_rate:
            raise Abort  # after next_number(): the whole transaction must roll back

    slips.move_stock = flaky_move  # type: ignore[assignment]
    for i in range(count):
        order = SlipIn(
            customer="K0001",
            settlement="现款",
            remarks=f"w{worker}-{i}",
            lines=[LineIn(product="YL0001", qty="1"), LineIn(product="LS0001", qty="2")],
        )
        with contextlib.suppress(Abort):
            posted.append(slips.post(db, order, user=user).number)
    db.dispose()
    return posted
