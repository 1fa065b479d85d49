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
from kaidan_tui.services.returns import PRO_RATA
from kaidan_tui.tui.cells import clip
from kaidan_tui.tui.screens.dialogs import DiscountDialog
from kaidan_tui.tui.screens.order_entry.base import OrderBase
from kaidan_tui.tui.screens.order_entry.columns import FIGURES, Layout, layout
from kaidan_tui.tui.screens.too_small import NARROW
from kaidan_tui.tui.widgets.linestable import LinesTable

PANEL = 40
"""The price panel's width beside the lines (app.tcss #price-panel), from NARROW up."""


class OrderTotals(OrderBase):
    """What the slip adds up to, shown under the lines, and kept checked."""

    _layout: Layout | None = None  # the lines table's columns as drawn (columns.layout)

    # --- the lines table ----------------------------------------------------------------

    def _table_room(self) -> int:
        """The lines table's width: its own once laid out, else the screen's less the
        price panel."""
        table = self.query_one("#lines", DataTable)
        if table.size.width > 0:
            return table.size.width
        width = self.app.size.width
        return width - (PANEL if width >= NARROW else 0)

    def on_lines_table_resized(self, _: LinesTable.Resized) -> None:
        self._refresh()

    def _refresh(self) -> None:
        self._draw_lines()
        self._draw_totals()

    def _draw_lines(self) -> None:
        table = self.query_one("#lines", DataTable)
        issues_by_line: dict[int, list[PolicyIssue]] = {}
        pro_rata: set[int] = set()
        for i in self.check_result.issues:
            if i.kind == PRO_RATA and i.line_no is not None:
                pro_rata.add(i.line_no)  # said under the lines; not a problem to flag ⚠
            elif i.line_no is not None:
                issues_by_line.setdefault(i.line_no, []).append(i)
        amounts = self.amounts()
        rows: list[dict[str, str]] = []
        flags: list[Text] = []
        for n, ln in enumerate(self.lines, start=1):
            flag = Text("")
            if ln.is_gift:
                flag = Text("赠", style="bold magenta")
            elif n in issues_by_line:
                flag = Text("⚠", style="bold red")
            elif n in pro_rata:
                flag = Text("分摊", style="cyan")
            elif ln.source is PriceSource.MANUAL:
                flag = Text("改价", style="yellow")
            flags.append(flag)
            rows.append(
                {
                    "序": str(n),
                    "编码": ln.product.code,
                    "品名": ln.product.name,
                    "规格": ln.product.spec,
                    "单位": ln.product.unit,
                    "数量": format_qty(ln.qty),
                    "单价": format_money(ln.price),
                    "金额": format_money(amounts[n - 1]),
                    "": flag.plain,
                }
            )
        shape = layout(self._table_room(), rows)
        if shape != self._layout:
            self._layout = shape
            table.clear(columns=True)
            for label, width in shape.columns:
                table.add_column(label, width=width, key=label or "flag")
        else:
            table.clear()
        for n, (row, flag) in enumerate(zip(rows, flags, strict=True)):
            cells: list[Text] = []
            for label, width in shape.columns:
                if label == "":
                    cells.append(flag)
                elif label in FIGURES:
                    cells.append(Text(row[label], justify="right"))
                else:
                    cells.append(Text(clip(row[label], width)))
            table.add_row(*cells, key=str(n))

    def _draw_totals(self) -> None:
        total_qty = sum((ln.qty for ln in self.lines), Decimal("0"))
        total = self.net_total()
        bar = Text()
        bar.append(f"行数 {len(self.lines)}   总数量 {format_qty(total_qty)}   ")
        if total != self.subtotal():
            bar.append(f"优惠 {format_money(self.subtotal() - total)}（{self.discount}）   ")
        bar.append(f"{self._total_label()} ￥{format_money(total)}   ", style="bold")
        bar.append(f"大写 {amount_in_capitals(total)}")
        self.query_one("#totals", Static).update(bar)
        said: list[tuple[str, str]] = []  # (message, style): the error and blocking first
        if self.check_result.error is not None:
            said.append((self.check_result.error.message, "red"))
        ranked = sorted(self.check_result.issues, key=lambda i: not i.blocking)
        said += [(i.message, "red" if i.blocking else "yellow") for i in ranked]
        self.query_one("#issues", Static).update(fit_issues(said, self.app.size.width - 2))

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
        result = (
            SlipCheck()
            if not self.lines
            else quotes.check(self.db, self.slip_in(), replacing=self.replacing)
        )
        self.app.call_from_thread(self._checked, result)

    def _checked(self, result: SlipCheck) -> None:
        self.check_result = result
        self._refresh()


ISSUE_LINES = 4
"""The issues box's height (app.tcss #issues max-height)."""


def fit_issues(said: list[tuple[str, str]], width: int) -> Text:
    """The messages that fit whole in ISSUE_LINES lines of ``width``; when some do not,
    the last line says how many more and where they all are (F9 lists every one)."""

    def rows(message: str) -> int:
        return max(1, -(-cell_len(f"• {message}") // max(width, 1)))

    out = Text()
    if sum(rows(m) for m, _ in said) <= ISSUE_LINES:
        for message, style in said:
            out.append(f"• {message}\n", style=style)
        return out
    used = 0
    for n, (message, style) in enumerate(said):
        if used + rows(message) > ISSUE_LINES - 1:
            out.append(f"…还有 {len(said) - n} 条提示：按 F9 在确认框里全部列出。", style="bold")
            break
        out.append(f"• {message}\n", style=style)
        used += rows(message)
    return out
