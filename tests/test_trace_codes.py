"""D3: one item, one trace code — a code typed twice is refused, a code already with a
customer needs a supervisor, and a voided, reversed or returned sale frees its codes."""

from __future__ import annotations

import pytest

from kaidan_tui.db.engine import Database
from kaidan_tui.domain.enums import SlipType
from kaidan_tui.domain.errors import InputError, PolicyViolation
from kaidan_tui.services import lifecycle, quotes, slips
from kaidan_tui.services.slips import LineIn, SlipIn
from kaidan_tui.services.users import UserInfo

pytestmark = pytest.mark.also_postgres


def _sale(*codes: list[str], type_: SlipType = SlipType.SALE) -> SlipIn:
    return SlipIn(
        type=type_,
        customer="K0001",
        lines=[LineIn(product="JS0051", qty=str(len(c)), trace_codes=c) for c in codes],
    )


def _out_issues(db: Database, slip_in: SlipIn, replacing: str | None = None) -> list[str]:
    check = quotes.check(db, slip_in, replacing=replacing)
    assert check.error is None, check.error
    return [i.message for i in check.issues if i.kind == "trace_code_out"]


def test_a_code_twice_on_one_slip_is_refused_naming_it(demo_db: Database, clerk: UserInfo) -> None:
    with pytest.raises(InputError, match="第1行：瓶码「MT001」重复录入（本行已有）"):
        slips.post(demo_db, _sale(["MT001", "MT001"]), user=clerk)
    with pytest.raises(InputError, match="第2行：瓶码「MT002」重复录入（第1行已有）"):
        slips.post(demo_db, _sale(["MT001", "MT002"], ["MT002"]), user=clerk)
    check = quotes.check(demo_db, _sale(["MT001", "MT001"]))
    assert check.error is not None and "MT001" in check.error.message  # the live check says it


def test_a_code_already_sold_needs_a_supervisor(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    first = slips.post(demo_db, _sale(["MT001", "MT002"]), user=clerk)
    again = _sale(["MT003"], ["MT002"])
    (said,) = _out_issues(demo_db, again)
    assert said.startswith(f"第2行瓶码「MT002」已在 {first.number}（")
    with pytest.raises(PolicyViolation, match="MT002"):
        slips.post(demo_db, again, user=clerk)
    assert slips.post(demo_db, again, user=clerk, approver=supervisor).number
    assert _out_issues(demo_db, _sale(["MT004"])) == []  # an unused code is fine


def test_void_reversal_and_return_bring_codes_back(
    demo_db: Database, clerk: UserInfo, supervisor: UserInfo
) -> None:
    sold = slips.post(demo_db, _sale(["V1"], ["R1"], ["B1"]), user=clerk)
    assert len(_out_issues(demo_db, _sale(["V1"], ["R1"], ["B1"]))) == 3
    # a 改单 of that very slip: its 红冲 brings the codes back in the same post
    assert _out_issues(demo_db, _sale(["V1"]), replacing=sold.number) == []
    lifecycle.void(demo_db, sold.number, reason="开错", user=clerk, approver=supervisor)
    assert _out_issues(demo_db, _sale(["V1"], ["R1"], ["B1"])) == []

    resold = slips.post(demo_db, _sale(["R1"], ["B1"]), user=clerk)
    lifecycle.reverse(demo_db, resold.number, reason="红冲", user=clerk, approver=supervisor)
    assert _out_issues(demo_db, _sale(["R1"])) == []

    third = slips.post(demo_db, _sale(["B1"]), user=clerk)
    back = SlipIn(
        type=SlipType.RETURN,
        customer="K0001",
        against=third.number,
        lines=[LineIn(product="JS0051", qty="1", trace_codes=["B1"])],
    )
    slips.post(demo_db, back, user=clerk, approver=supervisor)
    assert _out_issues(demo_db, _sale(["B1"])) == []
