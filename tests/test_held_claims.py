"""Held orders are claimed by the screen that recalled them (services/held.py), and a
post under a used key is a repeat only when it says the same thing — on both stores.

Before: two counters recalled held order #6, both changed it; the second F9 was told
"重复提交" and its added line was dropped without a word."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import AuditLog, OrderAutosave, Slip, SlipLine
from kaidan_tui.domain.errors import Diverged, NotFound, PermissionDenied, StateError
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
        slips.release(demo_db, slip_id, approver=clerk, user=clerk)
    who = slips.release(demo_db, slip_id, approver=supervisor, user=clerk)
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


def test_releasing_a_dead_counters_claim_keeps_what_it_had_typed(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    """Found by the hostile trial: counter 2 recalled #12, added a line, died; the
    supervisor released #12 and counter 3 posted it with its one old line."""
    slip_id = held_order(demo_db, clerk)
    held.recall(demo_db, slip_id, user=clerk, claim="dead-screen")
    snap = Snapshot(slip=more(ORDER), held_id=slip_id)
    autosave.save(demo_db, "dead-screen", snap, user=clerk, revision=2, summary="2 行")
    said = slips.release(demo_db, slip_id, approver=supervisor, user=supervisor)
    assert "已存回挂单" in said
    assert lines(demo_db, slip_id) == ["YL0001", "YL0024"], "the typed line is kept"
    with demo_db.read() as s:
        slip = s.get(Slip, slip_id)
        row = s.exec(select(OrderAutosave).where(OrderAutosave.key == "dead-screen")).one()
    assert slip is not None and slip.status == "held" and slip.maker_id == clerk.id
    assert row.closed_at is not None and row.outcome == f"主管释放，存回挂单 #{slip_id}"
    assert autosave.pending(demo_db, clerk) == [], "not offered twice"
    assert typed(held.recall(demo_db, slip_id, user=supervisor, claim="c3")) == [
        ("YL0001", "2"),
        ("YL0024", "1"),
    ]


def test_an_autosave_whose_held_order_is_elsewhere_comes_back_as_a_new_order(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    """What the dead counter typed could not be saved into the held order (a product
    since gone): it stays in that counter's unfinished orders, and comes back there as an
    order of its own once another screen has the held order."""
    slip_id = held_order(demo_db, clerk)
    held.recall(demo_db, slip_id, user=clerk, claim="crashed-screen")
    typed_there = ORDER.model_copy(
        update={"lines": [*ORDER.lines, LineIn(product="NOPE", qty="1")]}
    )
    autosave.save(
        demo_db,
        "crashed-screen",
        Snapshot(slip=typed_there, held_id=slip_id),
        user=clerk,
        revision=1,
        summary="s",
    )
    said = slips.release(demo_db, slip_id, approver=supervisor, user=supervisor)
    assert "没能存回" in said and "NOPE" in said
    held.recall(demo_db, slip_id, user=supervisor, claim="other-screen")
    [row] = autosave.pending(demo_db, clerk)
    taken = autosave.take(demo_db, row.id, user=clerk)
    assert taken.problem is not None and "正在" in taken.problem
    assert taken.snapshot.held_id is None and taken.snapshot.slip.idempotency_key is None
    assert taken.snapshot.slip.lines == typed_there.lines, "what was typed is all there"


def test_a_screen_whose_claim_was_released_cannot_overwrite_the_newer_version(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    """Found by the hostile trial: released, recalled at counter 3, a line added, held
    again; counter 2's F9 then posted its old version over it."""
    slip_id = held_order(demo_db, clerk)
    held.recall(demo_db, slip_id, user=clerk, claim="counter-2")
    slips.release(demo_db, slip_id, approver=supervisor, user=supervisor)
    held.recall(demo_db, slip_id, user=supervisor, claim="counter-3")
    slips.hold(demo_db, more(ORDER), user=supervisor, held_id=slip_id, claim="counter-3")
    for act in (slips.post, slips.hold):
        with pytest.raises(Diverged, match="已被主管释放"):
            act(demo_db, ORDER, user=clerk, held_id=slip_id, claim="counter-2")  # type: ignore[operator]
    assert lines(demo_db, slip_id) == ["YL0001", "YL0024"]


def test_a_live_window_s_order_is_not_offered_to_a_second_window(
    demo_db: Database, clerk: UserInfo
) -> None:
    """Found by the hostile trial: a second window on the same counter was offered the
    first one's live order as "上次没有过账就退出了", and took it over."""
    import socket
    import subprocess

    other = subprocess.Popen(["sleep", "60"])
    try:
        snap = Snapshot(slip=ORDER)
        autosave.save(demo_db, "window-a", snap, user=clerk, revision=1, summary="a")
        with demo_db.write() as s:  # as window A (another process on this machine) saved it
            row = s.exec(select(OrderAutosave).where(OrderAutosave.key == "window-a")).one()
            row.owner = f"{socket.gethostname()}:{other.pid}"
            s.add(row)
            row_id = row.id
        assert autosave.pending(demo_db, clerk) == []
        with pytest.raises(StateError, match="另一个开单窗口"):
            autosave.take(demo_db, row_id or 0, user=clerk)
    finally:
        other.kill()
        other.wait()
    [offered] = autosave.pending(demo_db, clerk)  # window A died: now it is unfinished
    assert offered.key == "window-a"


def test_recalling_a_held_order_ones_own_dead_screen_had_takes_up_its_autosave(
    demo_db: Database, clerk: UserInfo
) -> None:
    """Found by the hostile trial: after a crash, Esc at the offer, then F7 said the
    order was being edited — by herself."""
    slip_id = held_order(demo_db, clerk)
    held.recall(demo_db, slip_id, user=clerk, claim="dead-screen")
    snap = Snapshot(slip=more(ORDER), held_id=slip_id)
    autosave.save(demo_db, "dead-screen", snap, user=clerk, revision=1, summary="s")
    [row] = autosave.pending(demo_db, clerk)
    assert autosave.for_held(demo_db, slip_id, clerk) == row.id
    taken = autosave.take(demo_db, row.id, user=clerk)
    assert taken.problem is None and taken.snapshot.slip.lines == more(ORDER).lines
