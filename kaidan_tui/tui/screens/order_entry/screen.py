"""开单: the order-entry screen itself, its keys and its layout (the layers it is built
from are listed in the package's docstring)."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Header, Input, Label, Static

from kaidan_tui.domain import clock
from kaidan_tui.services.store import default_warehouse
from kaidan_tui.tui.autosaver import Autosaver
from kaidan_tui.tui.screens.order_entry.header import HEAD_ROW, REGIONAL_ROW
from kaidan_tui.tui.screens.order_entry.posting import OrderPosting
from kaidan_tui.tui.screens.printing import PrintBanner
from kaidan_tui.tui.screens.too_small import NARROW
from kaidan_tui.tui.typeahead import Field
from kaidan_tui.tui.widgets.keybar import KeyBar
from kaidan_tui.tui.widgets.linestable import LinesTable
from kaidan_tui.tui.widgets.matchlist import MatchList

SHORT = 30
"""Below this height the customer info and 备注 take one line each."""


def _head_fields(row: tuple[tuple[str, str, str], ...]) -> ComposeResult:
    for label, name, extra in row:
        yield Label(label, classes=f"head-label {extra}".strip())
        placeholder = "自提" if name == "delivery" else ""
        yield Field(id=name, placeholder=placeholder, classes=f"head-field {extra}".strip())


class OrderEntryScreen(OrderPosting):
    PLACE = "开单"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "post", "过账打印", id="order.post", tooltip="确认并过账（取得单号）"),
        Binding("f8", "hold", "挂单", id="order.hold", tooltip="把未完成的单挂起"),
        Binding("f7", "recall", "调挂单", id="order.recall", tooltip="列出挂单并调出一张"),
        Binding("f6", "cycle_type", "单据类型", id="order.type", tooltip="销售/退货/赠送/入库"),
        Binding("ctrl+n", "new_order", "新单", id="order.new", tooltip="清空，开始新销售单"),
        Binding(
            "ctrl+y",
            "pin_type",
            "固定类型",
            show=False,  # in F1 and Ctrl+P; the key bar keeps the keys of every order
            id="order.pin_type",
            tooltip="过账后下一张仍用本单类型（再按取消）",
        ),
        Binding(
            "ctrl+x,ctrl+delete",
            "delete_line",
            "删行",
            id="order.delete_line",
            tooltip="删除当前行",
            priority=True,
        ),
        Binding("ctrl+t", "trace_codes", "瓶码", id="order.codes", tooltip="录入本行瓶码/箱码"),
        Binding(
            "ctrl+g",
            "toggle_gift",
            "赠品",
            id="order.gift",
            tooltip="本行改为赠品（0 元，需主管审批）或改回",
        ),
        Binding(  # priority: in a field Ctrl+D would otherwise delete a character
            "ctrl+d",
            "discount",
            "整单优惠",
            id="order.discount",
            tooltip="95折、-50、=1000、抹零",
            priority=True,
        ),
        Binding(
            "ctrl+f",
            "cycle_price",
            "换价",
            id="order.price",
            tooltip="单价换成下一个价：协议价→等级价→价格表价→上次价",
            priority=True,
        ),
        Binding(
            "f10", "preview", "打印预览", id="order.preview", tooltip="本单（或上一单）的打印版面"
        ),
        # Ctrl+letters every terminal sends (not Alt: a terminal sends Alt+S as Esc s, and
        # Alt+digits arrive as £ or ™), and none a field edits with (Ctrl+A/E/K/U/W).
        Binding("ctrl+l", "focus_field('customer')", "客户", id="order.customer", priority=True),
        Binding(
            "ctrl+s",
            "focus_field('settlement')",
            "表头",
            id="order.settlement",
            tooltip="到表头：结算，Enter 往后是送货/司机、经手、PO号、仓库、日期、收货人与托运部",
            priority=True,
        ),
        Binding("ctrl+o", "focus_field('remarks')", "备注", id="order.remarks", priority=True),
        Binding("escape", "back", "返回", show=False, id="order.back"),
        # Enter is handled by the screen, in key order, before the next key is routed:
        # focus moves synchronously, so type-ahead lands in the right field.
        Binding("enter", "enter", "下一格 / 入行", show=False, priority=True, id="order.enter"),
        Binding("up", "popup(-1)", "上一项", show=False, id="order.up"),
        Binding("down", "popup(1)", "下一项", show=False, id="order.down"),
    ]

    # --- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield PrintBanner(id="print-banner")
        with Horizontal(id="order-head"):
            yield Static("", id="type-tag")
            yield Label("客户", classes="field-label")
            yield Field(id="customer", placeholder="编码 / 拼音首字母 / 名称 / 电话")
            yield Label("结算", classes="field-label")
            yield Field(id="settlement", placeholder="现款", classes="short")
            yield Label("领用", classes="field-label gift-only")
            yield Field(id="recipient", placeholder="领用单位或人", classes="gift-only")
        with Horizontal(id="order-head2", classes="head-row"):
            yield from _head_fields(HEAD_ROW)
        with Horizontal(id="regional-row", classes="head-row"):
            yield from _head_fields(REGIONAL_ROW)
        yield Static("", id="customer-info")
        yield Static("", id="credit-banner")
        with Horizontal(id="order-body"):
            with Vertical(id="lines-col"):
                with Vertical(id="table-box"):
                    yield LinesTable(id="lines", cursor_type="row", zebra_stripes=True)
                    # On a layer over the lines: filling it never reflows the screen.
                    yield MatchList(id="popup")
                with Horizontal(id="editor"):
                    yield Field(id="product", placeholder="商品：编码/条码/拼音/名称，编码*数量")
                    yield Field(id="qty", placeholder="数量", classes="num")
                    yield Field(id="price", placeholder="单价", classes="num")
                yield Field(id="codes", placeholder="瓶码/箱码，空格分隔（Ctrl+T）")
                yield Static("", id="editor-msg")
                with Horizontal(id="remarks-row"):
                    yield Label("备注", classes="field-label")
                    yield Field(id="remarks", placeholder="送货要求、联系人等")
            yield Static("", id="price-panel")
        yield Static("", id="issues")
        yield Static("", id="totals")
        yield KeyBar()

    def on_mount(self) -> None:
        from kaidan_tui.services import settings

        value = settings.value(self.db, settings.SCAN_FOCUS, "next")
        self.scan_focus = value if value in ("next", "qty") else "next"
        self.query_one("#popup", MatchList).display = False
        self.query_one("#codes", Input).display = False
        self.autosaver = Autosaver(self.db, self._autosave_failed)
        self._input("business_date").placeholder = clock.today().isoformat()
        self._input("warehouse").placeholder = default_warehouse(self.db)
        self.show_channel()
        self.load_drivers()
        self._show_type()
        self._refresh()
        self._focus("customer")

    def on_resize(self, event: events.Resize) -> None:
        """Narrow: the price panel goes (the lines table lays its columns out again when
        it is resized: OrderTotals.on_lines_table_resized); short: the
        info line and 备注 take one line each (the match list fits the lines box each
        time it opens: see the popup layer)."""
        width, height = event.size
        self.set_class(width < NARROW, "-narrow")
        self.set_class(height < SHORT, "-short")

    def on_unmount(self) -> None:
        if self.autosaver is not None:
            self.autosaver.flush()  # the last save or close reaches the store before exit
            self.autosaver.stop()
