"""The lines table, the totals bar and the issues: the figures of the slip on screen,
as the services' live check gives them; and the whole-slip discount (Ctrl+D)."""

from __future__ import annotations

from decimal import Decimal

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.widgets import DataTable, Static

from kaidan_tui.domain.capitals import amount_in_capitals
from kaidan_tui.domain.discount import slip_discount
from kaidan_tui.domain.enums import PriceSource
from kaidan_tui.domain.errors import KaidanError, PolicyIssue
from kaidan_tui.domain.money import format_money, format_qty
from kaidan_tui.services import quotes
from kaidan_tui.services.autosave import Snapshot
from kaidan_tui.services.quotes import SlipCheck
from kaidan_tui.tui.cells import pad
from kaidan_tui.tui.screens.dialogs import DiscountDialog
from kaidan_tui.tui.screens.order_entry.base import OrderBase

COLUMNS = ("序", "编码", "品名", "规格", "单位", "数量", "单价", "金额", "")
_DROPPED_BELOW = {"规格": 110, "单位": 90, "编码": 72}
"""A column is shown from this screen width up (README: the terminal-size note)."""


class OrderTotals(OrderBase):
    """What the slip adds up to, shown under the lines, and kept checked."""

    _columns: tuple[str, ...] = ()  # the lines table's columns as shown (fit_columns)

    # --- the lines table ----------------------------------------------------------------

    def fit_columns(self, width: int) -> None:
        """The lines table's columns for a screen ``width`` columns wide: 规格, then 单位,
        then 编码 give way first; 数量, 单价 and 金额 never do (they are the money)."""
        shown = tuple(c for c in COLUMNS if width >= _DROPPED_BELOW.get(c, 0))
        if shown == self._columns:
            return
        self._columns = shown
        table = self.query_one("#lines", DataTable)
        table.clear(columns=True)
        table.add_columns(*shown)
        self._refresh()

    def _refresh(self) -> None:
        table = self.query_one("#lines", DataTable)
        table.clear()
        issues_by_line: dict[int, list[PolicyIssue]] = {}
        for i in self.check_result.issues:
            if i.line_no is not None:
                issues_by_line.setdefault(i.line_no, []).append(i)
        amounts = self.amounts()
        name_width = 30 if "规格" in self._columns else 22
        for n, ln in enumerate(self.lines, start=1):
            flag = Text("")
            if ln.is_gift:
                flag = Text("赠", style="bold magenta")
            elif n in issues_by_line:
                flag = Text("⚠", style="bold red")
            elif ln.source is PriceSource.MANUAL:
                flag = Text("改价", style="yellow")
            name = ln.product.name
            cells = {
                "序": Text(str(n)),
                "编码": Text(ln.product.code),
                "品名": Text(name if cell_len(name) <= name_width else pad(name, name_width)),
                "规格": Text(ln.product.spec),
                "单位": Text(ln.product.unit),
                "数量": Text(format_qty(ln.qty), justify="right"),
                "单价": Text(format_money(ln.price), justify="right"),
                "金额": Text(format_money(amounts[n - 1]), justify="right"),
                "": flag,
            }
            table.add_row(*(cells[c] for c in self._columns), key=str(n - 1))
        total_qty = sum((ln.qty for ln in self.lines), Decimal("0"))
        total = self.net_total()
        bar = Text()
        bar.append(f"行数 {len(self.lines)}   总数量 {format_qty(total_qty)}   ")
        if total != self.subtotal():
            bar.append(f"优惠 {format_money(self.subtotal() - total)}（{self.discount}）   ")
        bar.append(f"{self._total_label()} ￥{format_money(total)}   ", style="bold")
        bar.append(f"大写 {amount_in_capitals(total)}")
        self.query_one("#totals", Static).update(bar)
        issues = Text()
        for i in self.check_result.issues:
            style = "red" if i.blocking else "yellow"
            issues.append(f"• {i.message}\n", style=style)
        if self.check_result.error is not None:
            issues.append(f"• {self.check_result.error.message}\n", style="red")
        self.query_one("#issues", Static).update(issues)

    def _total_label(self) -> str:
        """The total's name, the same on the totals bar and the confirm panel."""
        if self.slip_type.kind.money_sign < 0:
            return "退款合计"
        return "实收" if self.net_total() != self.subtotal() else "合计"

    def _current_check(self) -> SlipCheck | None:
        """The service's check of exactly the slip on screen, if it has come back: its
        figures are the ones shown (a return against a slip refunds what was paid)."""
        result = self.check_result
        if result.error is not None or not result.key or len(result.amounts) != len(self.lines):
            return None
        return result if result.key == quotes.slip_key(self.slip_in()) else None

    def amounts(self) -> list[Decimal]:
        checked = self._current_check()
        return list(checked.amounts) if checked else [ln.amount for ln in self.lines]

    def subtotal(self) -> Decimal:
        checked = self._current_check()
        if checked is not None:
            return checked.subtotal
        return sum((ln.amount for ln in self.lines), Decimal("0.00"))

    def net_total(self) -> Decimal:
        """The lines' total less the whole-slip discount (if it still applies)."""
        checked = self._current_check()
        if checked is not None:
            return checked.total_amount
        subtotal = self.subtotal()
        try:
            return subtotal - slip_discount(self.discount, subtotal)
        except KaidanError:
            return subtotal  # e.g. a target above a shrunken total: shown by the check

    def action_discount(self) -> None:
        if not self.lines:
            self._say("先录商品，再打整单折扣。")
            return
        if not self.slip_type.kind.discount:
            self._say(f"{self.slip_type.label}单不能打整单折扣。")
            return

        def chosen(text: str | None) -> None:
            if text is None:
                return
            self.discount = text
            self._refresh()
            self._changed()
            off = self.subtotal() - self.net_total()
            self._say(f"整单优惠 {format_money(off)}" if text else "已取消整单折扣。", error=False)

        self.app.push_screen(DiscountDialog(self.subtotal(), self.discount), chosen)

    # --- live check ---------------------------------------------------------------------

    def _autosave(self) -> None:
        """Save the order as it is now (after a committed line or header field), so a
        killed app loses at most the line still in the editor. An empty order is not
        saved: there is nothing to lose."""
        if self.autosaver is None or (not self.lines and self.customer is None):
            return
        self._autosave_rev += 1
        who = self.customer.name if self.customer else (self._input("recipient").value or "—")
        total = format_money(self.net_total())  # 实收, as the totals bar says it
        summary = f"{self.slip_type.label} {who} {len(self.lines)} 行 ￥{total}"
        snapshot = Snapshot(
            slip=self.slip_in(),
            held_id=self.held_id,
            replacing=self.replacing,
            type_pinned=self.type_pinned,
        )
        self.autosaver.save(
            self.autosave_key,
            snapshot,
            user=self.user,
            revision=self._autosave_rev,
            summary=summary,
        )

    def _changed(self) -> None:
        """The order changed (a line, the customer, the type, the discount): autosave it
        and check it again."""
        self._autosave()
        self._check()

    @work(thread=True, exclusive=True, exit_on_error=False, group="check")
    def _check(self) -> None:
        result = SlipCheck() if not self.lines else quotes.check(self.db, self.slip_in())
        self.app.call_from_thread(self._checked, result)

    def _checked(self, result: SlipCheck) -> None:
        self.check_result = result
        self._refresh()
