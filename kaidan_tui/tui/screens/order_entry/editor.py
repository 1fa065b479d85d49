"""The line editor: product, quantity and price, Enter from field to field (and into a
line), Esc back; editing, deleting, gifts, trace codes and the price panel's prices."""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text
from textual.widgets import DataTable, Input, Static

from kaidan_tui.domain.discount import line_price
from kaidan_tui.domain.enums import PriceSource
from kaidan_tui.domain.errors import KaidanError
from kaidan_tui.domain.money import format_money, format_qty, parse_price, parse_quantity
from kaidan_tui.domain.slip_kinds import Prices
from kaidan_tui.services import quotes
from kaidan_tui.services.catalog import CustomerHit, search_products
from kaidan_tui.services.quotes import Quote
from kaidan_tui.tui.cells import pad
from kaidan_tui.tui.screens.order_entry.header import TEXT_FIELDS, OrderHeader
from kaidan_tui.tui.screens.order_entry.line import Line, split_code_qty
from kaidan_tui.tui.widgets.matchlist import MatchList

PRICE_CYCLE = (PriceSource.AGREED, PriceSource.TIER, PriceSource.LIST, PriceSource.LAST)
"""Ctrl+F's order: the prices the panel lists, top to bottom."""


class OrderEditor(OrderHeader):
    """Typing a line, and changing the lines already typed."""

    # --- Enter and Esc ------------------------------------------------------------------

    def action_enter(self) -> None:
        """Enter always moves forward."""
        focused = self.focused
        if isinstance(focused, DataTable):
            if self.lines:
                self._edit_line(focused.cursor_row)
            return
        if not isinstance(focused, Input):
            return
        name = focused.id or ""
        if name == "customer":
            self._customer_enter(focused.value)
        elif name == "product":
            self._product_enter(focused.value)
        elif name == "qty":
            self._qty_enter(focused.value)
        elif name in ("price", "codes"):
            self.commit_line()
        elif name == "recipient":
            self._autosave()
            self._focus("product")
        elif name in TEXT_FIELDS and name != "remarks":  # settlement, then the header
            self.header_enter(name)
        elif name == "remarks":
            self._autosave()
            self._say("按 F9 过账打印，F8 挂单。", error=False)

    def action_back(self) -> None:
        if self.query_one("#popup", MatchList).display:
            self._hide_popup()
            return
        focused = self.focused
        if focused is self.query_one("#lines", DataTable):
            self._focus("product")
        elif focused is not None and focused.id == "price":
            self._focus("qty")
        elif focused is not None and focused.id == "qty":
            self._focus("product")
        elif focused is not None and focused.id in ("product", "remarks"):
            self._focus("customer")

    # --- product, quantity, price -------------------------------------------------------

    def _product_enter(self, value: str) -> None:
        text = value.strip()
        if not text:
            self._hide_popup()
            if self.lines:
                self._focus("remarks")  # Enter on an empty product cell ends the lines
            else:
                self._say("请输入商品。")
            return
        if self.current is not None and text == self.current.product.name:
            self._focus("qty")
            return
        code, qty = split_code_qty(text)
        exact = quotes.exact_product(self.db, code)
        if exact is not None and code == exact.barcode and qty is None:
            self._scanned(exact.code)  # a scanner's burst wins over the match list
            return
        chosen = self._popup_choice("product", code)
        hit = exact if chosen is None else None
        many = 0
        if chosen is None and hit is None:
            # Enter before the match list came back (a fast typist, a paste, a slow link):
            # the row it would have highlighted, so the keys after it land where typed.
            hits = search_products(self.db, code, 12)
            if not hits:
                self._say(f"没有找到商品「{code}」，请检查编码或换个关键字。")
                return
            hit, many = hits[0], len(hits)
        product_code = chosen or (hit.code if hit else "")
        self.pick_product(product_code, qty)
        if many > 1 and self.current is not None:
            more = "12 个以上" if many >= 12 else f"{many} 个"
            self._say(
                f"「{code}」有{more}匹配，已取第一个：{self.current.product.name}。"
                "不对就 Esc 回商品格重输。",
                error=False,
            )

    def _scanned(self, product_code: str) -> None:
        """A barcode scan: by default a whole line (quantity 1 at the policy price) and
        on to the next; with ``scan_focus = qty`` the quantity is typed next."""
        if self.scan_focus == "next":
            self.pick_product(product_code, "1")
            if self.current is not None:
                self.commit_line()
            return
        self.pick_product(product_code, None)
        if self.current is not None:
            self._input("qty").value = "1"
            self._focus("qty")

    def pick_product(self, code: str, qty: str | None = None) -> None:
        try:
            q = quotes.quote(
                self.db, self.customer.code if self.customer else None, code, self.slip_type
            )
        except KaidanError as exc:
            self._say(exc.message)
            return
        self.current = q
        self._hide_popup()
        self._input("product").value = q.product.name
        self._input("price").value = f"{q.price:.2f}"
        self._show_price_panel(q)
        self.query_one("#codes", Input).display = q.product.coded and self.slip_type.stock_sign < 0
        self._say("", error=False)
        if qty is not None:
            self._input("qty").value = qty
            self._focus("price")
        else:
            self._input("qty").value = ""
            self._focus("qty")

    def _qty_enter(self, value: str) -> None:
        try:
            parse_quantity(value)
        except KaidanError as exc:
            self._say(exc.message)
            return
        self._say("", error=False)
        self._focus("price")

    def commit_line(self) -> None:
        if self.current is None:
            self._say("请先选择商品。")
            self._focus("product")
            return
        try:
            qty = parse_quantity(self._input("qty").value)
        except KaidanError as exc:
            self._say(exc.message)
            self._focus("qty")
            return
        try:
            typed = self._input("price").value
            rated = line_price(self.current.price, typed)  # 95折 / -5% on the policy price
            price = (
                rated
                if rated is not None
                else parse_price(typed, allow_zero=self.slip_type.kind.prices is not Prices.REFUND)
            )
        except KaidanError as exc:
            self._say(exc.message)
            self._focus("price")
            return
        codes = tuple(self._input("codes").value.split())
        q = self.current
        if self.gift:
            price, source = Decimal("0.00"), PriceSource.GIFT
        else:
            source = q.source if price == q.price else PriceSource.MANUAL
        line = Line(q.product, qty, price, q.price, source, codes, is_gift=self.gift)
        if self.editing is not None and self.editing < len(self.lines):
            self.lines[self.editing] = line
            self._say(f"第 {self.editing + 1} 行已改好。", error=False)
        else:
            self.lines.append(line)
            if self._said_error:  # a refusal of this line (a bad price …), now mended
                self._say("", error=False)
        self._clear_editor()
        self._refresh()
        self._changed()
        self._focus("product")

    def _clear_editor(self) -> None:
        self.current = None
        self.editing = None
        self.gift = False
        for name in ("product", "qty", "price", "codes"):
            self._input(name).value = ""
        self.query_one("#codes", Input).display = False
        self._hide_popup()

    def _requote_editor(self, hit: CustomerHit) -> None:
        """The product still in the editor is quoted for the new customer too: the price
        panel showed the last customer's 等级价, and its price would have gone in."""
        q = self.current
        if q is None:
            return
        try:
            again = quotes.quote(self.db, hit.code, q.product.code, self.slip_type)
        except KaidanError:
            return
        price = self._input("price")
        if price.value.strip() in ("", f"{q.price:.2f}"):  # not typed over: follows
            price.value = f"{again.price:.2f}"
        self.current = again
        self._show_price_panel(again)

    def _show_price_panel(self, q: Quote) -> None:
        f = q.facts
        t = Text()
        t.append(f"{q.product.name}\n", style="bold")
        t.append(f"{q.product.spec} / {q.product.unit}   条码 {q.product.barcode or '-'}\n\n")
        t.append(f"政策价 {format_money(q.price)}（{q.source.label}）\n", style="bold green")
        rows = [
            ("协议价", f.agreed_price),
            (f"等级价 {f.tier_name or ''}", f.tier_price),
            ("价格表", f.list_price),
            ("上次价", f.last_price),
            ("最低限价", f.floor_price),
        ]
        for label, value in rows:
            t.append(pad(label, 14) + f"{format_money(value) if value is not None else '-':>10}\n")
        t.append("Ctrl+F 换价\n", style="dim")
        t.append("\n上次价格\n", style="bold")
        for h in q.history[:5]:
            t.append(f"{h.when:%m-%d} {h.number} ×{format_qty(h.qty)} @ {format_money(h.price)}\n")
        if not q.history:
            t.append("（无）\n", style="dim")
        t.append("\n库存\n", style="bold")
        for name, qty in q.stock:
            t.append(pad(name, 8) + f"{format_qty(qty):>10}\n")
        if self.user.is_supervisor and q.cost is not None and q.price > 0:
            margin = (q.price - q.cost) / q.price * 100
            t.append(f"\n成本 {format_money(q.cost)}  毛利 {margin:.1f}%\n", style="magenta")
        self.query_one("#price-panel", Static).update(t)

    # --- the lines already typed --------------------------------------------------------

    def _edit_line(self, index: int) -> None:
        ln = self.lines[index]
        self.pick_product(ln.product.code, f"{format_qty(ln.qty)}")
        self.editing = index
        self.gift = ln.is_gift
        self._input("price").value = f"{ln.price:.2f}"
        self._input("codes").value = " ".join(ln.trace_codes)
        self._focus("qty")  # the figure most often corrected; Enter goes on to 单价
        self._say(f"正在修改第 {index + 1} 行：数量 → 单价，回车保存。", error=False)

    def _take_row(self) -> None:
        """A line key (Ctrl+G, Ctrl+F, Ctrl+T) on a highlighted row acts on that row."""
        table = self.query_one("#lines", DataTable)
        if self.focused is table and 0 <= table.cursor_row < len(self.lines):
            self._edit_line(table.cursor_row)

    def action_delete_line(self) -> None:
        table = self.query_one("#lines", DataTable)
        index = self.editing if self.editing is not None else None
        if index is None and self.focused is table and self.lines:
            index = table.cursor_row
        if index is None or index >= len(self.lines):
            self._say("请先用 ↑↓ 选中要删除的行。")
            return
        removed = self.lines.pop(index)
        self._clear_editor()
        self._refresh()
        self._changed()
        self._say(f"已删除第 {index + 1} 行：{removed.product.name}", error=False)
        self._focus("product")

    def action_toggle_gift(self) -> None:
        """赠品: the line in the editor goes out at 0, flagged, still counted in stock."""
        self._take_row()
        if self.current is None:
            self._say("请先选择商品，再按 Ctrl+G 设为赠品。")
            return
        if not self.slip_type.kind.gift_lines:
            self._say(f"{self.slip_type.label}单不能设赠品行。")
            return
        self.gift = not self.gift
        price = self._input("price")
        if self.gift:
            price.value = "0.00"
            self._say("本行为赠品（0 元出库，过账时需主管审批）。再按 Ctrl+G 取消。", error=False)
        else:
            price.value = f"{self.current.price:.2f}"
            self._say("已取消赠品。", error=False)

    def action_cycle_price(self) -> None:
        """Ctrl+F: the next price the panel offers (协议价 → 等级价 → 价格表价 → 上次价)
        into the line's price; a price off policy is flagged (and approved at F9)."""
        self._take_row()
        if self.current is None:
            self._say("请先选择商品。")
            return
        facts = self.current.facts
        offered = [(s, v) for s in PRICE_CYCLE if (v := facts.price_of(s)) is not None]
        if not offered:
            self._say("这个商品没有可选的价格。")
            return
        shown = self._input("price").value.strip()
        after = -1
        if self._price_pick is not None and shown == f"{self._price_pick[1]:.2f}":
            after = next((i for i, (s, _) in enumerate(offered) if s is self._price_pick[0]), -1)
        source, value = offered[(after + 1) % len(offered)]
        self._price_pick = (source, value)
        self.gift = False
        self._input("price").value = f"{value:.2f}"
        self._focus("price")
        note = "" if value == self.current.price else "（与政策价不同，过账需主管审批）"
        said = f"已填入{source.label} {format_money(value)}{note}（再按 Ctrl+F 换下一个）"
        self._say(said, error=False)

    def action_focus_field(self, name: str) -> None:
        """Ctrl+L / Ctrl+S / Ctrl+O: straight to the customer, the header (结算) or remarks."""
        self._hide_popup()
        self._focus(name)

    def action_trace_codes(self) -> None:
        self._take_row()  # the codes of the line under the cursor
        if self.current is None:
            self._say("请先选择商品，或按 ↑ 选中一行再按 Ctrl+T。")
            return
        codes = self._input("codes")
        codes.display = True
        self.set_focus(codes)
