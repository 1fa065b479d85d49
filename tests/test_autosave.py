"""The autosave of the order on screen (services/autosave.py), on both stores."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import OrderAutosave, Slip
from kaidan_tui.domain.errors import StateError
from kaidan_tui.services import autosave
from kaidan_tui.services.autosave import Snapshot
from kaidan_tui.services.slips import LineIn, SlipIn
from kaidan_tui.services.users import UserInfo

pytestmark = pytest.mark.also_postgres


def snapshot(qty: str) -> Snapshot:
    return Snapshot(
        slip=SlipIn(customer="K0001", lines=[LineIn(product="YL0001", qty=qty, price="3.50")]),
        held_id=6,
        type_pinned=True,
    )


def slips(db: Database) -> int:
    with db.read() as s:
        return len(s.exec(select(Slip)).all())


def test_a_save_is_offered_back_whole_and_the_newest_wins(
    demo_db: Database, clerk: UserInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAIDAN_COUNTER", "2")
    before = slips(demo_db)
    autosave.save(demo_db, "k1", snapshot("1"), user=clerk, revision=1, summary="K0001 1 行")
    autosave.save(demo_db, "k1", snapshot("3"), user=clerk, revision=3, summary="K0001 1 行")
    autosave.save(demo_db, "k1", snapshot("2"), user=clerk, revision=2, summary="late")
    [row] = autosave.pending(demo_db, clerk)
    assert (row.counter, row.clerk, row.summary) == ("2", clerk.name, "K0001 1 行")
    taken = autosave.take(demo_db, row.id, user=clerk)
    # the late save of revision 2 did not overwrite it; the held order #6 does not exist
    assert taken.snapshot.slip == snapshot("3").slip.model_copy(update={"idempotency_key": None})
    assert taken.snapshot.held_id is None and taken.problem and "#6" in taken.problem
    assert taken.key != "k1" and autosave.pending(demo_db, clerk)[0].key == taken.key
    assert slips(demo_db) == before, "an autosave is never a slip and takes no number"


def test_a_closed_order_is_not_offered_and_no_late_save_reopens_it(
    demo_db: Database, clerk: UserInfo
) -> None:
    autosave.save(demo_db, "k1", snapshot("1"), user=clerk, revision=1, summary="")
    autosave.close(demo_db, "k1", user=clerk, outcome="已过账 XS20260005")
    autosave.save(demo_db, "k1", snapshot("2"), user=clerk, revision=2, summary="")
    autosave.close(demo_db, "k2", user=clerk, outcome="清空")  # closed before its first save
    autosave.save(demo_db, "k2", snapshot("1"), user=clerk, revision=1, summary="")
    assert autosave.pending(demo_db, clerk) == []
    with demo_db.read() as s:
        rows = {r.key: r for r in s.exec(select(OrderAutosave)).all()}
    assert rows["k1"].outcome == "已过账 XS20260005" and rows["k1"].closed_at is not None
    assert '"qty":"1"' in rows["k1"].data.replace(" ", "")


def test_clerks_see_their_own_on_this_counter_and_a_supervisor_sees_all(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAIDAN_COUNTER", "1")
    autosave.save(demo_db, "a", snapshot("1"), user=clerk, revision=1, summary="a")
    monkeypatch.setenv("KAIDAN_COUNTER", "2")
    autosave.save(demo_db, "b", snapshot("1"), user=clerk, revision=1, summary="b")
    autosave.save(demo_db, "c", snapshot("1"), user=supervisor, revision=1, summary="c")
    assert [p.summary for p in autosave.pending(demo_db, clerk)] == ["b"]
    assert sorted(p.summary for p in autosave.pending(demo_db, supervisor)) == ["a", "b", "c"]


def test_an_autosave_row_is_never_deleted(demo_db: Database, clerk: UserInfo) -> None:
    autosave.save(demo_db, "k1", snapshot("1"), user=clerk, revision=1, summary="")
    with pytest.raises(StateError), demo_db.write() as s:  # the ORM guard
        s.delete(s.exec(select(OrderAutosave)).one())
    with pytest.raises(IntegrityError, match="never deleted"), demo_db.write() as s:  # trigger
        s.connection().execute(text("DELETE FROM order_autosave"))


def test_an_order_posted_after_all_is_not_offered_as_unfinished(
    demo_db: Database, clerk: UserInfo
) -> None:
    """A held order recalled (autosaved), then posted from F7 at this or another counter:
    offered again as 未完成, the clerk would key it a second time."""
    from kaidan_tui.services import slips

    order = SlipIn(
        customer="K0001",
        idempotency_key="held-order-key",
        lines=[LineIn(product="YL0001", qty="2")],
    )
    held = slips.hold(demo_db, order, user=clerk, reasons=["挂单"])
    autosave.save(
        demo_db,
        "screen-a",
        Snapshot(slip=order, held_id=held.slip_id),
        user=clerk,
        revision=1,
        summary="",
    )
    posted = slips.post(demo_db, order, user=clerk, held_id=held.slip_id)
    assert len(autosave.pending(demo_db, clerk)) == 1
    assert autosave.close_finished(demo_db, clerk) == 1
    assert autosave.pending(demo_db, clerk) == []
    with demo_db.read() as s:
        row = s.exec(select(OrderAutosave).where(OrderAutosave.key == "screen-a")).one()
    assert row.closed_at is not None and row.outcome == f"已过账 {posted.number}"
