"""Held orders are claimed by the screen that recalled them (services/held.py), and a
post under a used key is a repeat only when it says the same thing — on both stores.

Before: two counters recalled held order #6, both changed it; the second F9 was told
"重复提交" and its added line was dropped without a word."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import AuditLog, Slip, SlipLine
from kaidan_tui.domain.errors import Diverged, NotFound, PermissionDenied
from kaidan_tui.services import autosave, held, slips
from kaidan_tui.services.autosave import Snapshot
from kaidan_tui.services.slips import LineIn, SlipIn
from kaidan_tui.services.users import UserInfo

pytestmark = pytest.mark.also_postgres

ORDER = SlipIn(
    customer="K0001", idempotency_key="held-6", lines=[LineIn(product="YL0001", qty="2")]
)


ORDER_LINES = [("YL0001", "2")]


def more(order: SlipIn) -> SlipIn:
    """The same order with a line added (what the second counter typed)."""
    return order.model_copy(update={"lines": [*order.lines, LineIn(product="YL0024", qty="1")]})


def typed(order: SlipIn) -> list[tuple[str, str]]:
    return [(ln.product, ln.qty) for ln in order.lines]


def held_order(db: Database, clerk: UserInfo) -> int:
    return slips.hold(db, ORDER, user=clerk, reasons=["挂单"]).slip_id


def lines(db: Database, slip_id: int) -> list[str]:
    with db.read() as s:
        found = s.exec(select(SlipLine.code).where(SlipLine.slip_id == slip_id)).all()
    return sorted(found)


def test_a_recalled_order_is_refused_to_a_second_screen_with_who_has_it(
    demo_db: Database, clerk: UserInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    slip_id = held_order(demo_db, clerk)
    monkeypatch.setenv("KAIDAN_COUNTER", "2")
    assert typed(held.recall(demo_db, slip_id, user=clerk, claim="screen-a")) == ORDER_LINES
    assert (
        held.recall(demo_db, slip_id, user=clerk, claim="screen-a").lines[0].product == "YL0001"
    )  # its own
    monkeypatch.setenv("KAIDAN_COUNTER", "3")
    with pytest.raises(Diverged, match=f"挂单 #{slip_id} 正在2 号柜台 {clerk.name}"):
        held.recall(demo_db, slip_id, user=clerk, claim="screen-b")
    [row] = [h for h in held.list_held(demo_db) if h.id == slip_id]
    assert row.claimed_by.startswith(f"2 号柜台 {clerk.name}")
    # the second screen can neither post nor hold it over the first one's
    with pytest.raises(Diverged, match="正在2 号柜台"):
        slips.post(demo_db, more(ORDER), user=clerk, held_id=slip_id, claim="screen-b")
    with pytest.raises(Diverged, match="正在2 号柜台"):
        slips.hold(demo_db, more(ORDER), user=clerk, held_id=slip_id, claim="screen-b")
    assert lines(demo_db, slip_id) == ["YL0001"]
    done = slips.post(demo_db, more(ORDER), user=clerk, held_id=slip_id, claim="screen-a")
    assert done.slip_id == slip_id and lines(demo_db, slip_id) == ["YL0001", "YL0024"]


def test_holding_it_again_frees_it_for_the_next_screen(demo_db: Database, clerk: UserInfo) -> None:
    slip_id = held_order(demo_db, clerk)
    held.recall(demo_db, slip_id, user=clerk, claim="screen-a")
    slips.hold(demo_db, ORDER, user=clerk, held_id=slip_id, claim="screen-a")
    assert typed(held.recall(demo_db, slip_id, user=clerk, claim="screen-b")) == ORDER_LINES
    held.let_go(demo_db, slip_id, claim="screen-a")  # not its claim any more: no change
    with pytest.raises(Diverged):
        held.recall(demo_db, slip_id, user=clerk, claim="screen-c")
    held.let_go(demo_db, slip_id, claim="screen-b")  # screen b gave it up
    assert typed(held.recall(demo_db, slip_id, user=clerk, claim="screen-c")) == ORDER_LINES


def test_a_supervisor_releases_a_dead_counters_claim_and_the_late_post_is_refused(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    slip_id = held_order(demo_db, clerk)
    held.recall(demo_db, slip_id, user=clerk, claim="dead-counter")
    with pytest.raises(PermissionDenied):
        held.release(demo_db, slip_id, approver=clerk, user=clerk)
    who = held.release(demo_db, slip_id, approver=supervisor, user=clerk)
    assert clerk.name in who
    with demo_db.read() as s:
        row = s.exec(select(AuditLog).order_by(col(AuditLog.id).desc())).first()
    assert row is not None and row.action == "slip.release" and row.entity_id == slip_id
    held.recall(demo_db, slip_id, user=clerk, claim="screen-b")
    other = slips.post(demo_db, more(ORDER), user=clerk, held_id=slip_id, claim="screen-b")
    # the dead counter comes back and posts what it had: refused with the other number
    with pytest.raises(Diverged) as refused:
        slips.post(demo_db, ORDER, user=clerk, held_id=slip_id, claim="dead-counter")
    assert refused.value.number == other.number and other.number in refused.value.message
    assert lines(demo_db, slip_id) == ["YL0001", "YL0024"]


def test_a_used_key_with_other_contents_is_refused_and_the_same_is_a_repeat(
    demo_db: Database, clerk: UserInfo
) -> None:
    first = slips.post(demo_db, ORDER, user=clerk)
    again = slips.post(demo_db, ORDER, user=clerk)
    assert again.already_posted and again.number == first.number
    with pytest.raises(Diverged, match=f"本单已过账为 {first.number}") as refused:
        slips.post(demo_db, more(ORDER), user=clerk)
    assert refused.value.number == first.number
    with demo_db.read() as s:
        assert len(s.exec(select(Slip).where(Slip.idempotency_key == "held-6")).all()) == 1


def test_an_autosave_is_taken_up_once_and_its_claim_moves_with_it(
    demo_db: Database, clerk: UserInfo
) -> None:
    slip_id = held_order(demo_db, clerk)
    held.recall(demo_db, slip_id, user=clerk, claim="crashed-screen")
    snap = Snapshot(slip=more(ORDER), held_id=slip_id)
    autosave.save(demo_db, "crashed-screen", snap, user=clerk, revision=4, summary="s")
    [row] = autosave.pending(demo_db, clerk)
    taken = autosave.take(demo_db, row.id, user=clerk)
    assert taken.problem is None and taken.snapshot == snap
    with pytest.raises(NotFound, match="可能已在别的窗口恢复"):
        autosave.take(demo_db, row.id, user=clerk)  # the second window
    with pytest.raises(Diverged):  # the claim is the new screen's now
        slips.post(demo_db, more(ORDER), user=clerk, held_id=slip_id, claim="crashed-screen")
    slips.post(demo_db, more(ORDER), user=clerk, held_id=slip_id, claim=taken.key)
    assert lines(demo_db, slip_id) == ["YL0001", "YL0024"]


def test_an_autosave_whose_held_order_is_elsewhere_comes_back_as_a_new_order(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    slip_id = held_order(demo_db, clerk)
    held.recall(demo_db, slip_id, user=clerk, claim="crashed-screen")
    autosave.save(
        demo_db,
        "crashed-screen",
        Snapshot(slip=more(ORDER), held_id=slip_id),
        user=clerk,
        revision=1,
        summary="s",
    )
    held.release(demo_db, slip_id, approver=supervisor, user=supervisor)
    held.recall(demo_db, slip_id, user=supervisor, claim="other-screen")
    [row] = autosave.pending(demo_db, clerk)
    taken = autosave.take(demo_db, row.id, user=clerk)
    assert taken.problem is not None and "正在" in taken.problem
    assert taken.snapshot.held_id is None and taken.snapshot.slip.idempotency_key is None
    assert taken.snapshot.slip.lines == more(ORDER).lines, "what was typed is all there"
