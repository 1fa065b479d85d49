"""Pre-printed forms: each serial on one slip or logged as spoiled; gaps are found."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from kaidan_tui.db.engine import Database
from kaidan_tui.domain.errors import InputError, StateError
from kaidan_tui.services import paper
from kaidan_tui.services.users import UserInfo
from tests.support.cli import kaidan


def test_serials_reconcile_one_to_one(demo_db: Database, clerk: UserInfo) -> None:
    paper.use(demo_db, "XS20260001", "0012000", user=clerk)
    paper.use(demo_db, "XS20260002", "0012001", user=clerk)
    paper.spoil(demo_db, "0012002", reason="卡纸", user=clerk)
    paper.use(demo_db, "XS20260002", "0012003", user=clerk)  # a reprint on a new form
    assert paper.serials_of(demo_db, "XS20260002") == ["0012001", "0012003"]
    result = paper.check(demo_db, "0012000", "0012005")
    assert (result.used, result.spoiled, result.missing) == (3, 1, ["0012004", "0012005"])
    with pytest.raises(StateError, match="已用于另一张单"):
        paper.use(demo_db, "XS20260003", "0012000", user=clerk)
    with pytest.raises(StateError, match="已登记为废联"):
        paper.use(demo_db, "XS20260003", "0012002", user=clerk)
    with pytest.raises(InputError, match="写明原因"):
        paper.spoil(demo_db, "0012009", reason="", user=clerk)
    for sql in ("DELETE FROM form_serial", "UPDATE form_serial SET status = 'used'"):
        with pytest.raises(Exception, match="kaidan"), demo_db.write() as s:
            s.execute(text(sql))


def test_paper_cli(store: str) -> None:
    assert kaidan("paper", "use", "XS20260001", "00100", "--db", store).returncode == 0
    out = kaidan("paper", "spoil", "00101", "--reason", "打歪了", "--db", store)
    assert out.returncode == 0 and "废联 00101" in out.stdout
    out = kaidan("paper", "check", "00100", "00102", "--db", store)
    assert out.returncode == 3 and "缺号 00102" in out.stdout
    out = kaidan("paper", "check", "00100", "00101", "--db", store)
    assert out.returncode == 0 and "缺号 0 份" in out.stdout
