"""The lines table's columns, laid out for the width the table has and the lines it shows.

Textual's auto-width columns only ever grow (``DataTable.clear`` keeps their widths), so
one long name or one big amount pushed 单价 and 金额 off the right for the rest of the
session. Here every column has a width worked out again on each redraw: 数量, 单价, 金额
and the flag are always as wide as their widest figure; 规格, then 单位, then 编码 give way
when 品名 would be cut to fewer than NAME_MIN columns; 品名 takes what is left and is
cut with "…".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rich.cells import cell_len

COLUMNS = ("序", "编码", "品名", "规格", "单位", "数量", "单价", "金额", "")
FIGURES = ("数量", "单价", "金额")
"""The money: never dropped, never cut."""
GIVE_WAY = ("规格", "单位", "编码")
"""Dropped in this order when 品名 would be narrower than NAME_MIN (8 hanzi)."""
NAME_MIN = 16
_MIN = {"序": 2, "编码": 6, "规格": 8, "单位": 4, "数量": 4, "单价": 6, "金额": 8, "": 2}
"""Widths an empty table starts with (an ordinary line fits them, so typing the first lines
does not move the columns); a wider figure widens its column."""
_MAX = {"编码": 12, "规格": 14, "单位": 6}
"""Text columns are cut with "…" beyond these; figures are never capped."""
PADDING = 2
"""DataTable's cell padding, one column each side."""
SCROLLBAR = 2
"""Kept free for the vertical scrollbar that appears once the lines outgrow the box."""


@dataclass(frozen=True)
class Layout:
    columns: tuple[tuple[str, int], ...]  # (label, width) as shown, in order

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for label, _ in self.columns)

    def width(self, label: str) -> int:
        return dict(self.columns)[label]


def layout(room: int, rows: Iterable[Mapping[str, str]]) -> Layout:
    """Columns for a table ``room`` display columns wide holding ``rows`` (cell texts by
    column label)."""
    wanted = {c: max(cell_len(c), _MIN.get(c, 0)) for c in COLUMNS}
    for row in rows:
        for c in COLUMNS:
            if c != "品名":
                wanted[c] = max(wanted[c], cell_len(row.get(c, "")))
    for c, most in _MAX.items():
        wanted[c] = min(wanted[c], most)
    enough = min(NAME_MIN, max((cell_len(row.get("品名", "")) for row in rows), default=0))
    shown = list(COLUMNS)
    for dropped in (None, *GIVE_WAY):
        if dropped is not None:
            shown.remove(dropped)
        used = sum(wanted[c] + PADDING for c in shown if c != "品名")
        name = room - SCROLLBAR - used - PADDING
        if name >= enough:
            break
    name = max(name, 4)
    return Layout(tuple((c, name if c == "品名" else wanted[c]) for c in shown))
