"""F6: the slip type, picked from a list (1–4, or ↑↓ Enter; Esc keeps the type).

F6 used to step to the next type at once: one stray F6 turned a sale into a 退货 (退款
合计) with nothing but a status line to say so. Now the order only changes on a choice."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import OptionList

from kaidan_tui.domain.slip_kinds import SlipType
from kaidan_tui.tui.screens.dialogs import PickList


class TypePick(PickList):
    PLACE = "单据类型"
    TITLE_TEXT = "单据类型（数字或 ↑↓ Enter 选择，Esc 不改）"
    LIST_ID = "type-list"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "不改", id="type.cancel"),
        *(
            Binding(str(n), f"number({n})", f"第 {n} 项", show=False, id=f"type.{n}")
            for n in range(1, 10)
        ),
    ]

    def __init__(self, types: list[SlipType], current: SlipType, *, lines: int) -> None:
        rows = []
        for n, t in enumerate(types, start=1):
            text = Text(f"{n}  {t.label}（{t.slip_title}）")
            if t is current:
                text.append("  当前", style="bold")
            rows.append((n - 1, text))
        super().__init__(rows)
        self.types, self.current = types, current
        if lines:
            self.HINT = f"已有 {lines} 行：换类型后单价不变，金额按新类型计，请核对。"

    def on_mount(self) -> None:
        listing = self.query_one(f"#{self.LIST_ID}", OptionList)
        listing.highlighted = self.types.index(self.current)

    def action_number(self, n: int) -> None:
        if 1 <= n <= len(self.types):
            self.dismiss(n - 1)
