"""The customer of the slip: Enter in the customer field picks one (from the match list or
a single hit), and its details, credit and aging fill the lines above the slip."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import work
from textual.widgets import Static

from kaidan_tui.domain.money import format_money
from kaidan_tui.services import quotes
from kaidan_tui.services.catalog import CustomerHit, search_customers, standing
from kaidan_tui.tui.screens.order_entry.popup import OrderPopup


class OrderCustomer(OrderPopup):
    """Picking the customer and showing what the counter must know about them."""

    # --- customer -----------------------------------------------------------------------

    def _customer_enter(self, value: str) -> None:
        text = value.strip()
        if self.customer is not None and text == self.customer.name:
            self._focus("product")
            return
        if not text:
            if self.slip_type.has_customer:
                self._say("请先选择客户：输入编码、拼音首字母或名称。")
            else:
                self._focus("product")
            return
        code = self._popup_choice("customer", text)
        # Enter before the match list came back: the row it would have highlighted, so a
        # typist's next keys land in the fields they were typed for.
        hits = [] if code else search_customers(self.db, text, 2)
        if code is None and not hits:
            self._say(f"没有找到客户「{text}」，请检查编码或换个关键字。")
            return
        self.set_customer(quotes.customer(self.db, code or hits[0].code))
        self._focus(self.after_customer())
        if len(hits) > 1:
            note = f"「{text}」匹配多个客户，已取第一个：{hits[0].name}。不对就回客户格重输。"
            self._say(f"{note}{self._said}" if self._said else note, error=False)

    def after_customer(self) -> str:
        """The field Enter goes to once the customer is picked (the header layer may
        send a 商超 slip to its PO号 first)."""
        return "product"

    def set_customer(self, hit: CustomerHit) -> None:
        before = self.customer
        self.customer = hit
        self._hide_popup()
        self._input("customer").value = hit.name
        settlement = self._input("settlement")
        previous = self.customer_settlement  # what the last customer filled in
        if not settlement.value.strip() or settlement.value.strip() == previous:
            settlement.value = hit.settlement  # a new customer settles their own way
        self.customer_settlement = hit.settlement
        info = Text()
        info.append(f"{hit.code} {hit.name}  ", style="bold")
        info.append(
            f"{hit.channel} · {hit.tier or '零售价'}  联系人 {hit.contact}  电话 {hit.phone}\n"
        )
        info.append(f"送货地址 {hit.address}")
        if hit.freight_station:
            info.append(f"  托运部 {hit.freight_station} {hit.freight_phone}")
        if hit.store_code:
            info.append(f"  门店 {hit.store_code}")
        self.query_one("#customer-info", Static).update(info)
        banner = Text()
        banner.append(f"信用额度 {format_money(hit.credit_limit)}  ")
        banner.append(f"已用 {format_money(hit.balance)}  ")
        style = "bold red" if hit.credit_available < 0 else "green"
        banner.append(f"可用 {format_money(hit.credit_available)}", style=style)
        self.query_one("#credit-banner", Static).update(banner)
        self._load_aging(hit.id, banner)
        self._say("", error=False)
        if before is not None and before.code != hit.code and self.lines and self.against is None:
            self._reprice_for(hit)
        if before is not None and before.code != hit.code:
            self._requote_editor(hit)
        self._changed()

    def _requote_editor(self, hit: CustomerHit) -> None:
        """Another customer: the editor layer quotes the product it holds again."""

    def _reprice_for(self, hit: CustomerHit) -> None:
        """Another customer on a slip with lines: each price the policy chose is quoted
        again for them (their agreed or tier price, their last price); a typed price, an
        order's price and a gift stay, checked against the new customer's policy."""
        moved = kept = 0
        for i, ln in enumerate(self.lines):
            q = quotes.quote(self.db, hit.code, ln.product.code, self.slip_type)
            if ln.source.follows_customer:
                moved += ln.price != q.price
                self.lines[i] = replace(ln, price=q.price, policy=q.price, source=q.source)
            else:
                kept += 1
                self.lines[i] = replace(ln, policy=q.price)
        self._refresh()
        said = (
            f"换了客户：{moved} 行已按 {hit.name} 的价重新取价" if moved else "换了客户：价格不变"
        )
        if kept:
            said += f"；手工价、订单价和赠品 {kept} 行未动，请核对"
        self._say(said + "。", error=bool(kept))

    @work(thread=True, exclusive=True, exit_on_error=False, group="aging")
    def _load_aging(self, customer_id: int, banner: Text) -> None:
        """逾期 (overdue credit slips) and 回单未回 (return copies still out) are added to
        the banner once counted."""
        aging, copies_out = standing(self.db, customer_id)
        extra = Text()
        if aging.overdue_slips:
            extra.append(
                f"  逾期 {aging.overdue_slips} 张 ￥{format_money(aging.overdue_amount)}"
                f"（最早 {aging.oldest:%Y-%m-%d}）",
                style="bold red",
            )
        if copies_out:
            extra.append(f"  回单未回 {copies_out} 张", style="bold yellow")
        if extra:
            self.app.call_from_thread(self._show_aging, customer_id, banner + extra)

    def _show_aging(self, customer_id: int, banner: Text) -> None:
        if self.customer is not None and self.customer.id == customer_id:
            self.query_one("#credit-banner", Static).update(banner)
