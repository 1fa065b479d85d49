"""The lines table's columns: the figures are never cut, at any width, after any line
(the hostile trial: 1,920.50 drawn as "1,920" at 120 columns, and one wide line cutting
the amounts of every later order)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from textual.widgets import DataTable

from kaidan_tui.db.engine import Database
from kaidan_tui.domain.money import format_money
from kaidan_tui.tui.app import KaidanApp
from kaidan_tui.tui.screens.order_entry.columns import (
    FIGURES,
    GIVE_WAY,
    NAME_MIN,
    PADDING,
    SCROLLBAR,
    layout,
)
from tests.test_order_entry import add_line, login, settle, type_in

_figure = st.decimals(min_value=0, max_value=10**12, places=2).map(format_money)
_text = st.text(alphabet="云南白药牙膏abc×3", min_size=0, max_size=60)
_row = st.fixed_dictionaries(
    {
        "序": st.integers(1, 999).map(str),
        "编码": _text,
        "品名": _text,
        "规格": _text,
        "单位": _text,
        "数量": _figure,
        "单价": _figure,
        "金额": _figure,
        "": st.sampled_from(["", "⚠", "赠", "改价"]),
    }
)


@given(room=st.integers(60, 220), rows=st.lists(_row, max_size=6))
def test_figures_are_never_cut_and_the_table_fits_its_room(room: int, rows: list) -> None:  # type: ignore[type-arg]
    shape = layout(room, rows)
    labels = shape.labels
    for label in (*FIGURES, "序", "品名", ""):
        assert label in labels
    for row in rows:
        for label in FIGURES:
            assert shape.width(label) >= cell_len(row[label]), (label, row[label])
    dropped = [c for c in GIVE_WAY if c not in labels]
    assert dropped == list(GIVE_WAY[: len(dropped)])  # 规格, then 单位, then 编码
    used = sum(w + PADDING for _, w in shape.columns)
    if shape.width("品名") >= NAME_MIN:
        assert used <= room - SCROLLBAR
    # something gives way exactly when 品名 would otherwise be cut below NAME_MIN
    full = layout(10_000, rows)
    longest = max((cell_len(row["品名"]) for row in rows), default=0)
    need = sum(w + PADDING for c, w in full.columns if c != "品名") + PADDING
    assert bool(dropped) == (room - SCROLLBAR - need < min(NAME_MIN, longest))


def test_an_empty_table_and_a_short_line_share_their_columns() -> None:
    """Typing the first ordinary line does not move the columns."""
    short = {"序": "1", "编码": "YL0001", "品名": "可口可乐", "规格": "330ml×24"}
    short |= {"单位": "箱", "数量": "2", "单价": "52.00", "金额": "104.00", "": ""}
    assert layout(80, []) == layout(80, [short])


def _rows(table: DataTable[object]) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


async def test_a_wide_line_leaves_the_next_order_its_figures(demo_db: Database) -> None:
    app = KaidanApp(demo_db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await login(pilot)
        await type_in(pilot, "K0015")
        await add_line(pilot, "RH0060", "2", "960.25")
        await add_line(pilot, "JS0010", "9999999", "99999.99")
        table = screen.query_one("#lines", DataTable)
        big = format_money(Decimal("9999999") * Decimal("99999.99"))
        drawn = "\n".join(_rows(table))
        assert "1,920.50" in drawn and big in drawn and "960.25" in drawn
        assert "…" in drawn  # the long name is cut, and says so
        await pilot.press("up", "ctrl+x")  # the wide line goes
        await settle(pilot)
        assert len(screen.lines) == 1
        assert table.columns["金额"].width == 8  # type: ignore[index]  # back to its start
        await pilot.press("f8")  # hold it; a new order
        await settle(pilot)
        await type_in(pilot, "K0002")
        await add_line(pilot, "YL0001", "2")
        drawn = "\n".join(_rows(table))
        assert "104.00" in drawn, drawn


def test_issues_that_do_not_fit_say_how_many_more() -> None:
    """The issues box holds 4 lines: a fifth warning (or a long one at 80 columns) was cut
    with no sign, and it was the credit limit. Whole messages, then a count and F9."""
    from kaidan_tui.tui.screens.order_entry.totals import fit_issues

    few = [("单价低于最低限价", "red"), ("库存不足", "yellow")]
    assert fit_issues(few, 78).plain == "• 单价低于最低限价\n• 库存不足\n"
    credit = ("信用额度不足：本单 12,000.00，可用 3,000.00，超出 9,000.00，需主管审批" * 2, "red")
    many = [credit, *few, ("瓶码未录", "yellow"), ("补单", "yellow")]
    shown = fit_issues(many, 78).plain.splitlines()
    assert len(shown) <= 4  # wrapped lines counted: the credit message takes two at 78
    assert shown[0].startswith("• 信用额度不足") and shown[-1].startswith("…还有 ")
    kept = sum(1 for line in shown if line.startswith("• "))
    assert shown[-1] == f"…还有 {len(many) - kept} 条提示：按 F9 在确认框里全部列出。"
