"""The match list under the customer and product fields: typed text is looked up in a
worker once it is on screen, the hits fill the list, ↑↓ move in it, Enter takes one."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.widgets import DataTable, Input

from kaidan_tui.domain.money import format_money, format_qty
from kaidan_tui.services import quotes
from kaidan_tui.services.catalog import CustomerHit, ProductHit, search_customers, search_products
from kaidan_tui.tui.cells import fit
from kaidan_tui.tui.screens.order_entry.line import split_code_qty
from kaidan_tui.tui.screens.order_entry.totals import OrderTotals
from kaidan_tui.tui.widgets.matchlist import Match, MatchList

PRODUCT_ROW_WIDTH = 86
"""Cells of a product row with its 规格 (73 without)."""


class OrderPopup(OrderTotals):
    """The customer and product lookups of the order screen."""

    # --- popup (customer and product lookups) ------------------------------------------

    def _hide_popup(self) -> None:
        popup = self.query_one("#popup", MatchList)
        popup.display = False
        self.popup_for = None

    def action_popup(self, step: int) -> None:
        popup = self.query_one("#popup", MatchList)
        if popup.display and popup.option_count:
            current = popup.highlighted if popup.highlighted is not None else -1
            popup.highlighted = max(0, min(popup.option_count - 1, current + step))
            return
        focused = self.focused
        if (
            step < 0
            and focused is not None
            and focused.id in ("product", "qty", "price")
            and self.lines
        ):
            table = self.query_one("#lines", DataTable)
            self.set_focus(table)
            table.move_cursor(row=table.row_count - 1)
        elif step > 0 and focused is not None and focused.id == "customer":
            self._focus("product")

    @on(Input.Changed, "#customer")
    def _customer_typed(self, event: Input.Changed) -> None:
        if self.customer is not None and event.value == self.customer.name:
            return
        if event.value.strip():
            self._lookup_later("customer", event.value)
        else:
            self._hide_popup()

    @on(Input.Changed, "#product")
    def _product_typed(self, event: Input.Changed) -> None:
        code, _ = split_code_qty(event.value)
        if self.current is not None and event.value == self.current.product.name:
            return
        if code:
            self._lookup_later("product", code)
        else:
            self._hide_popup()

    def _lookup_later(self, owner: str, query: str) -> None:
        """Look up once the typed character is on screen: the lookup's thread and the
        match list it fills must not delay the clerk's own keystroke. Keys typed before
        that paint ask once, for the newest text."""
        first = self._pending_lookup is None
        self._pending_lookup = (owner, query)
        if first:
            self.call_after_refresh(self._start_lookup)

    def _start_lookup(self) -> None:
        pending, self._pending_lookup = self._pending_lookup, None
        if pending is None:
            return
        owner, query = pending
        if owner == "customer":
            self._lookup_customers(query)
        else:
            self._lookup_products(query)

    @work(thread=True, exclusive=True, exit_on_error=False, group="lookup")
    def _lookup_customers(self, query: str) -> None:
        hits = search_customers(self.db, query, 12)
        self.app.call_from_thread(self._show_customers, query, hits)

    @work(thread=True, exclusive=True, exit_on_error=False, group="lookup")
    def _lookup_products(self, query: str) -> None:
        hits = search_products(self.db, query, 12)
        self.app.call_from_thread(self._show_products, query, hits, self._offers(hits))

    def _offers(self, hits: list[ProductHit]) -> dict[int, quotes.Offer]:
        customer = self.customer.code if self.customer else None
        return quotes.offers(self.db, customer, [h.id for h in hits], self.slip_type)

    def _show_customers(self, query: str, hits: list[CustomerHit]) -> None:
        if self._input("customer").value != query or self.focused is not self._input("customer"):
            return  # stale: a newer keystroke asked again
        options = [
            Match(
                h.code,
                Text(
                    f"{fit(h.code, 7)}{fit(h.name, 24)} {fit(h.channel, 6)} {fit(h.phone, 14)}"
                    f"外欠 {format_money(h.balance):>10}"
                ),
            )
            for h in hits
        ]
        self._fill_popup("customer", query, options, "没有匹配的客户")

    def _show_products(
        self, query: str, hits: list[ProductHit], offers: dict[int, quotes.Offer]
    ) -> None:
        """Code, name, spec, unit, stock where the slip draws from, this customer's
        policy price and the price they paid last time. 规格 gives way first when the
        list is narrow: the prices never do."""
        with_spec = self.query_one("#table-box").size.width - 4 >= PRODUCT_ROW_WIDTH
        code, _ = split_code_qty(self._input("product").value)
        if code != query or self.focused is not self._input("product"):
            return
        options = []
        for h in hits:
            offer = offers.get(h.id)
            stock = offer.stock if offer else h.stock
            price = offer.price if offer else h.list_price
            last = offer.last_price if offer else None
            spec = f" {fit(h.spec, 12)}" if with_spec else ""
            row = (
                f"{fit(h.code, 8)}{fit(h.name, 22)}{spec} {fit(h.unit, 4)}"
                f"库存{format_qty(stock):>6}  价{format_money(price):>9}"
                f"  上次{format_money(last) if last is not None else '-':>9}"
            )
            options.append(Match(h.code, Text(row)))
        self._fill_popup("product", query, options, "没有匹配的商品")

    def _fill_popup(self, owner: str, query: str, options: list[Match], empty: str) -> None:
        popup = self.query_one("#popup", MatchList)
        popup.set_rows(options or [Match(None, Text(empty, style="dim"))])
        # Under the customer field for customers, just above the editor for products.
        popup.styles.dock = "top" if owner == "customer" else "bottom"
        # No taller than the lines box as it is now (the freight row may have just
        # taken a line): a list cut at its top would hide the row Enter picks.
        room = self.query_one("#table-box").size.height
        popup.styles.max_height = max(3, min(14, room)) if room else 14
        popup.display = True
        self.popup_for = owner
        self.popup_query = query

    def _popup_choice(self, owner: str, query: str) -> str | None:
        popup = self.query_one("#popup", MatchList)
        if not popup.display or self.popup_for != owner or self.popup_query != query:
            return None
        return popup.choice()
