"""查询商品 / 客户: one search line, results updating with every keystroke."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Static

from kaidan_tui.db.engine import Database
from kaidan_tui.domain.money import format_money, format_qty
from kaidan_tui.services.catalog import CustomerHit, ProductHit, search_customers, search_products
from kaidan_tui.services.users import UserInfo
from kaidan_tui.tui.host import ReportsWorkerErrors
from kaidan_tui.tui.typeahead import Field, TypeAheadFocus
from kaidan_tui.tui.widgets.keybar import KeyBar


class CatalogScreen(ReportsWorkerErrors, TypeAheadFocus, Screen[None]):
    """Live search over products (default) or customers (F6 switches)."""

    PLACE = "查资料"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "f6", "toggle_kind", "商品/客户", id="catalog.toggle", tooltip="切换查找商品或客户"
        ),
        Binding("escape", "clear", "清空", id="catalog.clear", tooltip="清空查找内容"),
        Binding("down", "focus_results", "结果", show=False, id="catalog.results"),
    ]

    def __init__(self, db: Database, user: UserInfo) -> None:
        super().__init__()
        self.db = db
        self.user = user
        self.kind = "product"

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="search-bar"):
            yield Static("查找商品", id="search-kind")
            yield Field(id="query", placeholder="编码、条码、拼音首字母（如 kkkl）或名称的一部分")
        yield DataTable(id="results", cursor_type="row", zebra_stripes=True)
        yield Static("", id="status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = f"{self.user.name}（{self.user.role.label}）"
        self._columns()
        self.query_one("#query", Input).focus()

    def _columns(self) -> None:
        table = self.query_one("#results", DataTable)
        table.clear(columns=True)
        if self.kind == "product":
            table.add_columns("编码", "品名", "规格", "单位", "单价", "库存")
        else:
            table.add_columns("编码", "单位名称", "渠道", "电话", "结算", "外欠", "信用额度")

    @on(Input.Changed, "#query")
    def _changed(self, event: Input.Changed) -> None:
        self._search(event.value, self.kind)

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def _search(self, query: str, kind: str) -> None:
        hits: list[ProductHit] | list[CustomerHit]
        if kind == "product":
            hits = search_products(self.db, query, 50)
        else:
            hits = search_customers(self.db, query, 50)
        self.app.call_from_thread(self._show, query, kind, hits)

    def _show(self, query: str, kind: str, hits: list[ProductHit] | list[CustomerHit]) -> None:
        if kind != self.kind or query != self.query_one("#query", Input).value:
            return  # a newer keystroke has already asked again
        table = self.query_one("#results", DataTable)
        table.clear()
        for h in hits:
            cells: tuple[str, ...]
            if isinstance(h, ProductHit):
                cells = (
                    h.code,
                    h.name,
                    h.spec,
                    h.unit,
                    format_money(h.list_price),
                    format_qty(h.stock),
                )
            else:
                cells = (
                    h.code,
                    h.name,
                    h.channel,
                    h.phone,
                    h.settlement,
                    format_money(h.balance),
                    format_money(h.credit_limit),
                )
            # Text, never markup: a name like "[/]" or "[b]" is shown as typed.
            table.add_row(*(Text(c) for c in cells), key=h.code)
        status = f"找到 {len(hits)} 条" if query.strip() else ""
        if query.strip() and not hits:
            status = f"没有找到「{query}」，试试编码、拼音首字母或名称中的字"
        self.query_one("#status", Static).update(Text(status))

    def action_toggle_kind(self) -> None:
        self.kind = "customer" if self.kind == "product" else "product"
        self.query_one("#search-kind", Static).update(
            "查找客户" if self.kind == "customer" else "查找商品"
        )
        self._columns()
        query = self.query_one("#query", Input)
        self._search(query.value, self.kind)
        query.focus()

    def action_clear(self) -> None:
        query = self.query_one("#query", Input)
        query.value = ""
        query.focus()

    def action_focus_results(self) -> None:
        self.query_one("#results", DataTable).focus()
