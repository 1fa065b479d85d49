"""开单: the order-entry screen. A clerk types a whole slip without the mouse.

Customer → Enter → product → Enter → quantity → Enter → price (policy price prefilled)
→ Enter → next line. Enter on an empty product cell ends the lines. F9 confirms and
posts, F8 holds, F7 recalls a held order, F6 changes the slip type.

Every rule is in the services; this screen only collects input, shows what the services
say, and never loses what was typed.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from rich.text import Text
from textual import events, getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Label, Static

from kaidan_tui.db.engine import Database
from kaidan_tui.domain.capitals import amount_in_capitals
from kaidan_tui.domain.discount import line_price, slip_discount
from kaidan_tui.domain.enums import PriceSource, Settlement, SlipType
from kaidan_tui.domain.errors import KaidanError, PolicyIssue, PolicyViolation
from kaidan_tui.domain.money import (
    format_money,
    format_qty,
    line_amount,
    parse_price,
    parse_quantity,
)
from kaidan_tui.domain.slip_kinds import ENTERED, Original, Party, Prices
from kaidan_tui.services import lifecycle, printouts, quotes, slips, users
from kaidan_tui.services.catalog import (
    CustomerHit,
    ProductHit,
    search_customers,
    search_products,
    standing,
)
from kaidan_tui.services.quotes import Quote, SlipCheck
from kaidan_tui.services.slips import LineIn, PostResult, SlipIn
from kaidan_tui.services.users import UserInfo
from kaidan_tui.tui.host import KaidanHost, ReportsWorkerErrors
from kaidan_tui.tui.screens.dialogs import ApprovalDialog, ConfirmPost, DiscountDialog, HeldOrders
from kaidan_tui.tui.screens.printing import PrintBanner, PrintPreview, PrintSent
from kaidan_tui.tui.typeahead import Field, KeepsTypeAhead, TypeAheadFocus, apply_key
from kaidan_tui.tui.widgets.keybar import KeyBar
from kaidan_tui.tui.widgets.linestable import LinesTable
from kaidan_tui.tui.widgets.matchlist import Match, MatchList, fit

log = logging.getLogger(__name__)

TYPES = ENTERED  # the kinds typed at the counter, in F2 order (domain/slip_kinds.py)
SETTLEMENTS = [s.value for s in Settlement]


@dataclass(frozen=True, slots=True)
class Line:
    product: ProductHit
    qty: Decimal
    price: Decimal
    policy: Decimal
    source: PriceSource
    trace_codes: tuple[str, ...] = ()
    is_gift: bool = False

    @property
    def amount(self) -> Decimal:
        return line_amount(self.qty, self.price)


def split_code_qty(text: str) -> tuple[str, str | None]:
    """``ZT001*12`` → (``ZT001``, ``12``): code and quantity in one go."""
    for sep in ("*", "＊", "×"):
        if sep in text:
            code, _, qty = text.partition(sep)
            return code.strip(), qty.strip() or None
    return text.strip(), None


class OrderEntryScreen(ReportsWorkerErrors, KeepsTypeAhead, TypeAheadFocus, Screen[None]):
    app = getters.app(KaidanHost)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "post", "过账打印", id="order.post", tooltip="确认并过账（取得单号）"),
        Binding("f8", "hold", "挂单", id="order.hold", tooltip="把未完成的单挂起"),
        Binding("f7", "recall", "调挂单", id="order.recall", tooltip="列出挂单并调出一张"),
        Binding("f6", "cycle_type", "单据类型", id="order.type", tooltip="销售/退货/赠送/入库"),
        Binding("ctrl+n", "new_order", "新单", id="order.new", tooltip="清空，开始新单"),
        Binding("ctrl+delete", "delete_line", "删行", id="order.delete_line", tooltip="删除当前行"),
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
        Binding("alt+1", "copy_price('agreed')", "用协议价", show=False, id="order.price_agreed"),
        Binding("alt+2", "copy_price('tier')", "用等级价", show=False, id="order.price_tier"),
        Binding("alt+3", "copy_price('list')", "用价格表价", show=False, id="order.price_list"),
        Binding("alt+4", "copy_price('last')", "用上次价", show=False, id="order.price_last"),
        Binding(
            "f10", "preview", "打印预览", id="order.preview", tooltip="本单（或上一单）的打印版面"
        ),
        Binding("alt+c", "focus('customer')", "客户", show=False, id="order.customer"),
        Binding("alt+s", "focus('settlement')", "结算", show=False, id="order.settlement"),
        Binding("alt+r", "focus('remarks')", "备注", show=False, id="order.remarks"),
        Binding("escape", "back", "返回", show=False, id="order.back"),
        # Enter is handled by the screen, in key order, before the next key is routed:
        # focus moves synchronously, so type-ahead lands in the right field.
        Binding("enter", "enter", show=False, priority=True, id="order.enter"),
        Binding("up", "popup(-1)", show=False, id="order.up"),
        Binding("down", "popup(1)", show=False, id="order.down"),
    ]

    def __init__(self, db: Database, user: UserInfo) -> None:
        super().__init__()
        self.db = db
        self.user = user
        self.slip_type = SlipType.SALE
        self.customer: CustomerHit | None = None
        self.lines: list[Line] = []
        self.editing: int | None = None  # index of the line loaded into the editor
        self.current: Quote | None = None  # the product in the editor
        self.gift = False  # the line in the editor is a gift (赠品)
        self.scan_focus = "next"  # after a barcode scan: "next" line or "qty" (setting)
        self.discount = ""  # whole-slip discount as typed (95折, -50, =1000, 抹零)
        self.against: str | None = None  # a return against this sale
        self.replacing: str | None = None  # 改单: this posted slip is being replaced
        self.order_key = uuid.uuid4().hex
        self.held_id: int | None = None
        self.popup_for: str | None = None  # which input the popup belongs to
        self.popup_query = ""
        self._pending_lookup: tuple[str, str] | None = None  # (owner, query) to look up
        self.check_result = SlipCheck()
        self.posting = False
        self.last_posted: PostResult | None = None
        self._announced: tuple[str, str] | None = None  # (slip number, the line saying so)
        self._said = ""  # the status line's text
        self._discard_armed = 0.0  # when Ctrl+N could not hold the order (monotonic)
        self._typed: list[str] = []  # keys typed while a slip is being saved
        self._confirm: ConfirmPost | None = None  # the panel a post was started from

    # --- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield PrintBanner(id="print-banner")
        with Horizontal(id="order-head"):
            yield Label("客户", classes="field-label")
            yield Field(id="customer", placeholder="编码 / 拼音首字母 / 名称 / 电话")
            yield Label("结算", classes="field-label")
            yield Field(id="settlement", placeholder="现款", classes="short")
            yield Label("领用", classes="field-label gift-only")
            yield Field(id="recipient", placeholder="领用单位或人", classes="gift-only")
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
        table = self.query_one("#lines", DataTable)
        table.add_columns("序", "编码", "品名", "规格", "单位", "数量", "单价", "金额", "")
        self.query_one("#popup", MatchList).display = False
        self.query_one("#codes", Input).display = False
        self._show_type()
        self._refresh()
        self._focus("customer")

    # --- helpers ------------------------------------------------------------------------

    def _input(self, name: str) -> Input:
        return self.query_one(f"#{name}", Input)

    def _focus(self, name: str) -> None:
        """Move focus now (``Widget.focus`` is deferred; type-ahead must not be)."""
        self.set_focus(self._input(name))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While a slip is being saved, no key may change the order under it."""
        return not self.posting

    def keep(self, event: events.Key) -> bool:
        """While a slip is being saved (from the confirm panel or after an approval), what
        the clerk types is kept, in order, for the emptied screen. A bare Enter before
        any of it is the same confirmation again, and is dropped. True when kept."""
        if not self.posting:
            return False
        if event.is_printable and event.character:
            self._typed.append(event.character)
        elif event.key == "backspace" and self._typed:
            self._typed.append("backspace")
        elif event.key == "enter":
            if self._typed:
                self._typed.append("enter")
        else:
            return False  # Esc, F-keys: refused while saving (check_action)
        return True

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
        elif name in ("settlement", "recipient"):
            self._focus("product")
        elif name == "remarks":
            self._say("按 F9 过账打印，F8 挂单。", error=False)

    def _say(self, message: str, *, error: bool = True) -> None:
        style = "bold red" if error else "green"
        self.query_one("#editor-msg", Static).update(Text(message, style=style))
        self._announced = None
        self._said = message

    def on_print_sent(self, message: PrintSent) -> None:
        """Printed: said on the line that announced the slip, while it still does (once
        the clerk has moved on, the paper says it). Never a toast here: each toast on
        screen is re-mounted at every screen change, the confirm panel's included, and
        made the next F9 half as fast again. A print that fails shows in the banner."""
        message.stop()
        if self._announced is not None and self._announced[0] == message.number:
            line = self._announced[1]
            self._say(f"{line}，已送到 {message.printer}", error=False)
        elif not self._said:  # a reprint or a retried slip, and nothing else to say
            self._say(message.text, error=False)

    def _show_type(self) -> None:
        against = self.against if self.slip_type.kind.original is Original.MAY else None
        origin = f" · 原单 {against}" if against else ""
        if self.replacing:
            origin = f" · 改单（替换 {self.replacing}）"
        self.title = f"开单 · {self.slip_type.label}（{self.slip_type.slip_title}）{origin}"
        self.sub_title = f"{self.user.name}（{self.user.role.label}）"
        for w in self.query(".gift-only"):
            w.display = self.slip_type.kind.party is Party.CUSTOMER_OR_RECIPIENT

    def slip_in(self) -> SlipIn:
        return SlipIn(
            type=self.slip_type,
            customer=self.customer.code if self.customer else None,
            settlement=self._input("settlement").value.strip() or None,
            remarks=self._input("remarks").value,
            recipient=self._input("recipient").value,
            idempotency_key=self.order_key,
            discount=self.discount,
            against=self.against if self.slip_type.kind.original is Original.MAY else None,
            lines=[
                LineIn(
                    product=ln.product.code,
                    qty=f"{ln.qty:f}",
                    price=f"{ln.price:f}",
                    is_gift=ln.is_gift or self.slip_type.kind.prices is Prices.FREE,
                    trace_codes=list(ln.trace_codes),
                )
                for ln in self.lines
            ],
        )

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
        policy price and the price they paid last time."""
        code, _ = split_code_qty(self._input("product").value)
        if code != query or self.focused is not self._input("product"):
            return
        options = []
        for h in hits:
            offer = offers.get(h.id)
            stock = offer.stock if offer else h.stock
            price = offer.price if offer else h.list_price
            last = offer.last_price if offer else None
            row = (
                f"{fit(h.code, 8)}{fit(h.name, 22)} {fit(h.spec, 12)} {fit(h.unit, 4)}"
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
        popup.display = True
        self.popup_for = owner
        self.popup_query = query

    def _popup_choice(self, owner: str, query: str) -> str | None:
        popup = self.query_one("#popup", MatchList)
        if not popup.display or self.popup_for != owner or self.popup_query != query:
            return None
        return popup.choice()

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
        hits = [] if code else search_customers(self.db, text, 2)
        if code is None and len(hits) == 1:
            code = hits[0].code
        if code is None:
            if hits:
                self._show_customers(text, search_customers(self.db, text, 12))
                self._say("有多个客户匹配，请用 ↑↓ 选择后回车。")
            else:
                self._say(f"没有找到客户「{text}」，请检查编码或换个关键字。")
            return
        self.set_customer(quotes.customer(self.db, code))
        self._focus("product")

    def set_customer(self, hit: CustomerHit) -> None:
        self.customer = hit
        self._hide_popup()
        self._input("customer").value = hit.name
        if not self._input("settlement").value.strip():
            self._input("settlement").value = hit.settlement
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
        self._check()

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
        if chosen is None and hit is None:
            hits = search_products(self.db, code, 12)
            if len(hits) == 1:
                hit = hits[0]
            elif hits:
                self._show_products(code, hits, self._offers(hits))
                self._say("有多个商品匹配，请用 ↑↓ 选择后回车。")
                return
            else:
                self._say(f"没有找到商品「{code}」，请检查编码或换个关键字。")
                return
        product_code = chosen or (hit.code if hit else "")
        self.pick_product(product_code, qty)

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
        self._clear_editor()
        self._refresh()
        self._check()
        self._focus("product")

    def _clear_editor(self) -> None:
        self.current = None
        self.editing = None
        self.gift = False
        for name in ("product", "qty", "price", "codes"):
            self._input(name).value = ""
        self.query_one("#codes", Input).display = False
        self._hide_popup()

    def _show_price_panel(self, q: Quote) -> None:
        f = q.facts
        t = Text()
        t.append(f"{q.product.name}\n", style="bold")
        t.append(f"{q.product.spec} / {q.product.unit}   条码 {q.product.barcode or '-'}\n\n")
        t.append(f"政策价 {format_money(q.price)}（{q.source.label}）\n", style="bold green")
        rows = [
            ("Alt+1 协议价", f.agreed_price),
            (f"Alt+2 等级价 {f.tier_name or ''}", f.tier_price),
            ("Alt+3 价格表", f.list_price),
            ("Alt+4 上次价", f.last_price),
            ("      最低限价", f.floor_price),
        ]
        for label, value in rows:
            t.append(f"{label:<14}{format_money(value) if value is not None else '-':>10}\n")
        t.append("\n上次价格\n", style="bold")
        for h in q.history[:5]:
            t.append(f"{h.when:%m-%d} {h.number} ×{format_qty(h.qty)} @ {format_money(h.price)}\n")
        if not q.history:
            t.append("（无）\n", style="dim")
        t.append("\n库存\n", style="bold")
        for name, qty in q.stock:
            t.append(f"{name:<8}{format_qty(qty):>10}\n")
        if self.user.is_supervisor and q.cost is not None and q.price > 0:
            margin = (q.price - q.cost) / q.price * 100
            t.append(f"\n成本 {format_money(q.cost)}  毛利 {margin:.1f}%\n", style="magenta")
        self.query_one("#price-panel", Static).update(t)

    # --- the lines table ----------------------------------------------------------------

    def _refresh(self) -> None:
        table = self.query_one("#lines", DataTable)
        table.clear()
        issues_by_line: dict[int, list[PolicyIssue]] = {}
        for i in self.check_result.issues:
            if i.line_no is not None:
                issues_by_line.setdefault(i.line_no, []).append(i)
        amounts = self.amounts()
        for n, ln in enumerate(self.lines, start=1):
            flag = Text("")
            if ln.is_gift:
                flag = Text("赠", style="bold magenta")
            elif n in issues_by_line:
                flag = Text("⚠", style="bold red")
            elif ln.source is PriceSource.MANUAL:
                flag = Text("改价", style="yellow")
            table.add_row(
                Text(str(n)),
                Text(ln.product.code),
                Text(ln.product.name),
                Text(ln.product.spec),
                Text(ln.product.unit),
                Text(format_qty(ln.qty), justify="right"),
                Text(format_money(ln.price), justify="right"),
                Text(format_money(amounts[n - 1]), justify="right"),
                flag,
                key=str(n - 1),
            )
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
            self._check()
            off = self.subtotal() - self.net_total()
            self._say(f"整单优惠 {format_money(off)}" if text else "已取消整单折扣。", error=False)

        self.app.push_screen(DiscountDialog(self.subtotal(), self.discount), chosen)

    def _edit_line(self, index: int) -> None:
        ln = self.lines[index]
        self.pick_product(ln.product.code, f"{format_qty(ln.qty)}")
        self.editing = index
        self.gift = ln.is_gift
        self._input("price").value = f"{ln.price:.2f}"
        self._input("codes").value = " ".join(ln.trace_codes)
        self._say(f"正在修改第 {index + 1} 行，回车保存。", error=False)

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
        self._check()
        self._say(f"已删除第 {index + 1} 行：{removed.product.name}", error=False)
        self._focus("product")

    def action_toggle_gift(self) -> None:
        """赠品: the line in the editor goes out at 0, flagged, still counted in stock."""
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

    def action_copy_price(self, which: str) -> None:
        """Copy a price shown in the panel into the line's price (a deviation is flagged)."""
        if self.current is None:
            self._say("请先选择商品。")
            return
        source = PriceSource(which)
        value = self.current.facts.price_of(source)
        if value is None:
            self._say(f"这个商品没有{source.label}。")
            return
        self.gift = False
        self._input("price").value = f"{value:.2f}"
        self._focus("price")
        note = "" if value == self.current.price else "（与政策价不同，过账需主管审批）"
        self._say(f"已填入{source.label} {format_money(value)}{note}", error=False)

    def action_trace_codes(self) -> None:
        table = self.query_one("#lines", DataTable)
        if self.focused is table and 0 <= table.cursor_row < len(self.lines):
            self._edit_line(table.cursor_row)  # the codes of the line under the cursor
        elif self.current is None:
            self._say("请先选择商品，或按 ↑ 选中一行再按 Ctrl+T。")
            return
        codes = self._input("codes")
        codes.display = True
        self.set_focus(codes)

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

    # --- live check ---------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="check")
    def _check(self) -> None:
        result = SlipCheck() if not self.lines else quotes.check(self.db, self.slip_in())
        self.app.call_from_thread(self._checked, result)

    def _checked(self, result: SlipCheck) -> None:
        self.check_result = result
        self._refresh()

    # --- type, new, hold, recall ----------------------------------------------------------

    def action_cycle_type(self) -> None:
        self.slip_type = TYPES[(TYPES.index(self.slip_type) + 1) % len(TYPES)]
        self._show_type()
        if self.lines:
            self._say("单据类型已改，已有行的单价保持不变，请核对。", error=False)
        self._check()

    def action_new_order(self) -> None:
        """Ctrl+N: an order with lines is held (F7 brings it back), never thrown away. If
        it cannot be held, a second Ctrl+N within a few seconds discards it."""
        armed, self._discard_armed = self._discard_armed, 0.0
        if time.monotonic() - armed < 5:
            self.reset()
            self._say("已放弃上一张单（没有保存）。新单。", error=False)
            return
        if not self._has_work():
            self.reset()
            self._say("新单。", error=False)
            return
        problem = self.park()
        if problem is not None:
            self._discard_armed = time.monotonic()
            self._say(f"{problem}　再按一次 Ctrl+N 就放弃本单（不保存）。")

    def _has_work(self) -> bool:
        return bool(self.lines) or self._pending() == "picked"

    def _pending(self) -> str | None:
        """The editor: "picked" (a product chosen, its name still in the cell), "typed"
        (text not yet picked), or None (empty, or the pick was cleared)."""
        text = self._input("product").value.strip()
        if self.current is not None and text == self.current.product.name:
            return "picked"
        return "typed" if text else None

    def reset(self) -> None:
        self.customer = None
        self.lines = []
        self.held_id = None
        self.order_key = uuid.uuid4().hex
        self.check_result = SlipCheck()
        self.discount = ""
        self.against = None
        self.replacing = None
        self._clear_editor()
        for name in ("customer", "settlement", "remarks", "recipient"):
            self._input(name).value = ""
        self.query_one("#customer-info", Static).update("")
        self.query_one("#credit-banner", Static).update("")
        self.query_one("#price-panel", Static).update("")
        self._refresh()
        self._focus("customer")

    def action_hold(self) -> None:
        if not self._has_work():
            self._say("没有商品行，不需要挂单。")
            return
        problem = self.park()
        if problem is not None:
            self._say(problem)

    def park(self) -> str | None:
        """Hold the order on screen, the line in the editor included, before anything
        replaces it (F8, F7, Ctrl+N, a slip from the lookup, quitting): nothing typed is
        thrown away. Returns why it could not be held (the order then stays on screen).

        A 改单 is not held: as a held sale it would post beside the slip it was to
        replace. It is dropped, and the original slip stays as it was."""
        if self.posting:
            return "正在过账，请稍候。"
        if self.replacing is not None:
            original = self.replacing
            self.reset()
            self._say(f"已放弃改单，原单 {original} 不变。", error=False)
            return None
        if self._pending() == "picked":
            self.commit_line()
            if self.current is not None:  # the editor's line is not valid: say why
                return f"当前单没能挂起：编辑栏的行有误（{self._said}）。"
        if not self.lines:
            return None
        try:
            held = slips.hold(
                self.db, self.slip_in(), user=self.user, reasons=["挂单"], held_id=self.held_id
            )
        except KaidanError as exc:
            return f"当前单没能挂起，仍在屏幕上：{exc.message}"
        except Exception as exc:  # the store is busy or gone: never a traceback
            log.exception("hold failed")
            return f"当前单没能挂起，仍在屏幕上：{exc}"
        self.reset()
        self._say(f"已挂单 #{held.slip_id}，按 F7 调出。", error=False)
        return None

    def action_recall(self) -> None:
        """F7: the held orders. The order on screen is held first when one is picked, so
        that none is lost (Esc on the list leaves it as it was)."""

        def chosen(slip_id: int | None) -> None:
            if slip_id is None:
                return
            problem = self.park() if self._has_work() else None
            if problem is not None:
                self._say(f"{problem}　没有调出挂单。")
                return
            self.load_held(slip_id)

        self.app.push_screen(HeldOrders(slips.list_held(self.db)), chosen)

    def load_held(self, slip_id: int) -> None:
        try:
            order = slips.recall(self.db, slip_id)
        except KaidanError as exc:
            self._say(exc.message)
            return
        self.load(order, held_id=slip_id)
        self._say(f"已调出挂单 #{slip_id}。", error=False)

    def load(
        self, order: SlipIn, *, held_id: int | None = None, replacing: str | None = None
    ) -> None:
        """Fill the screen from a slip as typed: a held order, a return against a slip,
        or a copy of an old slip (then with today's policy prices). The order on screen
        is held first; if it cannot be, it stays and nothing is loaded."""
        problem = self.park() if self._has_work() else None
        if problem is not None:
            self._say(f"{problem}　没有载入 {order.against or replacing or '挂单'}。")
            return
        self.reset()
        self.slip_type = order.type
        self._show_type()
        if order.customer:
            self.set_customer(quotes.customer(self.db, order.customer))
        self._input("settlement").value = order.settlement or ""
        self._input("remarks").value = order.remarks
        self._input("recipient").value = order.recipient
        for raw in order.lines:
            q = quotes.quote(self.db, order.customer, raw.product, order.type)
            gift = raw.is_gift and order.type.kind.gift_lines
            price = Decimal(raw.price) if raw.price else q.price
            source = q.source if price == q.price else PriceSource.MANUAL
            if gift:
                price, source = Decimal("0.00"), PriceSource.GIFT
            codes = tuple(raw.trace_codes)
            self.lines.append(
                Line(q.product, Decimal(raw.qty), price, q.price, source, codes, is_gift=gift)
            )
        self.held_id = held_id
        self.discount = order.discount
        self.against = order.against
        self.replacing = replacing
        self._input("remarks").value = order.remarks if not replacing else ""
        if order.idempotency_key:
            self.order_key = order.idempotency_key
        self._show_type()
        self._refresh()
        self._check()
        self._focus("product")

    # --- F10: print preview ------------------------------------------------------------

    def action_preview(self) -> None:
        """The draft as it will print; with no lines, the last posted slip."""
        printers = self.app.printers
        if printers is None:
            self._say("没有可用的打印机配置，无法预览（见 printers.toml）。")
            return
        try:
            if self.lines:
                order = self.slip_in()
                text, target = printouts.draft_preview(
                    self.db, order, printers, maker=self.user.name
                )
                title = f"打印预览：{target.name}（未过账）"
            elif self.last_posted is not None:
                number = self.last_posted.number
                text, target = printouts.slip_preview(self.db, number, printers)
                title = f"打印预览：{number} → {target.name}"
            else:
                self._say("本单还没有商品行，也没有刚过账的单据可预览。")
                return
        except (KaidanError, ValueError) as exc:
            self._say(f"无法预览：{getattr(exc, 'message', exc)}")
            return
        self.app.push_screen(PrintPreview(title, text))

    # --- F9: confirm, approve, post -----------------------------------------------------

    def action_post(self) -> None:
        if self.posting:
            return
        if not self._take_pending_line():
            return
        if self.slip_type.has_customer and self.customer is None:
            self._say("请先选择客户。")
            self._focus("customer")
            return
        if not self.lines:
            self._say("单据没有商品行。")
            self._focus("product")
            return
        self._hide_popup()
        result = quotes.check(self.db, self.slip_in())
        self.check_result = result
        self._refresh()
        if result.error is not None:
            self._say(result.error.message)
            return
        if result.refused:
            self._say(
                "不能过账：" + "；".join(i.message for i in result.refused) + "。可按 F8 挂单。"
            )
            return
        # Nothing more to ask: Enter on the panel posts at once (see ConfirmPost).
        direct = not self.replacing and not result.needs_approval
        dialog = ConfirmPost(
            self._summary(result),
            preview=self.action_preview,
            post=(lambda: self._post(None)) if direct else None,
            keep=self.keep,
        )
        self._confirm = dialog if direct else None

        def confirmed(ok: bool | None) -> None:
            if not ok or direct:  # direct: the panel started the post itself
                return
            if self.replacing:
                self._ask_replace(result.needs_approval)
            else:
                self._ask_approval(result.needs_approval, "")

        self.app.push_screen(dialog, confirmed)

    def _take_pending_line(self) -> bool:
        """F9 with a line still in the editor: a picked product joins the slip as if Enter
        had been pressed on its price (or stays, with the reason, if it cannot); a product
        text not picked stops the post, so that no typed line is left out."""
        pending = self._pending()
        if pending == "picked":
            self.commit_line()
            return self.current is None
        if pending == "typed":
            typed = self._input("product").value.strip()
            self._say(f"商品栏的「{typed}」还没选定：按 Enter 选定，或清空后再按 F9。")
            self._focus("product")
            return False
        return True

    def _summary(self, result: SlipCheck) -> Text:
        """What F9 is about to save, as the confirm panel shows it."""
        kind = self.slip_type
        subtotal, total = self.subtotal(), self.net_total()
        body = Text()
        body.append(f"{kind.label}（{kind.slip_title}）\n\n", style="bold")
        if self.customer is not None:
            body.append(f"客户：{self.customer.code} {self.customer.name}\n")
            settlement = self._input("settlement").value.strip() or self.customer.settlement
            body.append(f"结算：{settlement}\n")
        elif recipient := self._input("recipient").value.strip():
            body.append(f"领用：{recipient}\n")
        qty = sum((ln.qty for ln in self.lines), Decimal("0"))
        body.append(f"行数：{len(self.lines)}    总数量：{format_qty(qty)}\n")
        if total != subtotal:
            body.append(f"小计：￥{format_money(subtotal)}    ")
            body.append(f"优惠：￥{format_money(subtotal - total)}（{self.discount}）\n")
        body.append(f"{self._total_label()}：￥{format_money(total)}\n", style="bold")
        body.append(f"大写：{amount_in_capitals(total)}")
        for issue in result.issues:
            if not issue.blocking:
                body.append(f"\n提醒：{issue.message}", style="yellow")
        if result.needs_approval:
            body.append("\n\n需主管审批（Enter 后输入主管编码和 PIN）：", style="bold yellow")
            for issue in result.needs_approval:
                body.append(f"\n• {issue.message}", style="yellow")
        return body

    def _ask_replace(self, issues: list[PolicyIssue]) -> None:
        """改单: a reason, then a supervisor, then the 红冲 and the new slip together."""
        original = self.replacing
        assert original is not None

        def with_reason(reason: str | None) -> None:
            if reason is None:
                self._say("未改单。", error=False)
                return
            need = [PolicyIssue("replace", f"改单：红冲 {original} 并重开（{reason}）"), *issues]

            def approved(creds: tuple[str, str] | None) -> None:
                if creds is None:
                    self._say("未审批，没有改单。")
                    return
                try:
                    boss = users.approve(self.db, *creds)
                except KaidanError as exc:  # wrong code or PIN: ask again
                    self.app.push_screen(ApprovalDialog(need, exc.message), approved)
                    return
                try:
                    printer = self.app.printer_for(self.slip_type)
                    done = lifecycle.replace(
                        self.db,
                        original,
                        self.slip_in(),
                        reason=reason,
                        user=self.user,
                        approver=boss,
                        printer=printer,
                    )
                except KaidanError as exc:  # the new slip or the reversal was refused
                    self._say(f"改单未完成，原单不变：{exc.message}")
                    return
                self._posted(PostResult(done.slip_id, done.number, self.net_total()))
                self._say(
                    f"已改单：{original} 冲红 {done.reversal_number}，新单 {done.number}",
                    error=False,
                )

            self.app.push_screen(ApprovalDialog(need), approved)

        from kaidan_tui.tui.screens.lookup import ReasonDialog

        self.app.push_screen(ReasonDialog(f"改单：替换 {original}"), with_reason)

    def _ask_approval(self, issues: list[PolicyIssue], error: str) -> None:
        def answered(creds: tuple[str, str] | None) -> None:
            if creds is None:
                self._say("未审批，单据未过账（可按 F8 挂单）。")
                return
            try:
                approver = users.approve(self.db, *creds)
            except KaidanError as exc:
                self._ask_approval(issues, exc.message)
                return
            self._post(approver)

        self.app.push_screen(ApprovalDialog(issues, error), answered)

    def _post(self, approver: UserInfo | None) -> None:
        self.posting = True
        order = self.slip_in()
        printer = self.app.printer_for(order.type)
        self._do_post(order, approver, self.held_id, printer)

    @work(thread=True, exclusive=True, exit_on_error=False, group="post")
    def _do_post(
        self, order: SlipIn, approver: UserInfo | None, held_id: int | None, printer: str | None
    ) -> None:
        try:
            result = slips.post(
                self.db, order, user=self.user, approver=approver, held_id=held_id, printer=printer
            )
        except KaidanError as exc:
            self.app.call_from_thread(self._post_failed, exc)
            return
        except Exception as exc:  # never a traceback: keep the order, say what happened
            self.app.call_from_thread(
                self._post_failed, KaidanError(f"保存失败：{exc}。单据未丢失，请重试。")
            )
            return
        self.app.call_from_thread(self._posted, result)

    def _close_confirm(self) -> None:
        """Close the confirm panel the post was started from (it stays up while saving)."""
        dialog, self._confirm = self._confirm, None
        if dialog is None or dialog not in self.app.screen_stack:
            return
        while self.app.screen is not dialog:  # nothing can open over it while saving,
            self.app.pop_screen()  # but be sure the pop below takes the panel
        dialog.dismiss(True)

    def _replay(self, keys: list[str]) -> None:
        """Keys typed while the slip was being saved (see keep()), applied now as they
        would have been on the emptied screen: nothing the clerk typed is lost."""
        for key in keys:
            if key == "enter":
                self.action_enter()
            else:
                char = None if key == "backspace" else key
                apply_key(self.focused, events.Key(key, char))

    def _post_failed(self, exc: KaidanError) -> None:
        self._close_confirm()  # the order is kept as it was; what was typed is not for it
        self.posting = False
        self._typed = []
        if isinstance(exc, PolicyViolation) and all(i.needs_approval for i in exc.issues):
            self._ask_approval(exc.issues, "")
            return
        self._say(exc.message)

    def _posted(self, result: PostResult) -> None:
        self._close_confirm()
        self.posting = False
        typed, self._typed = self._typed, []
        self.last_posted = result
        self.reset()
        note = "（重复提交，未生成新单）" if result.already_posted else ""
        line = f"已过账 {result.number}  合计 ￥{format_money(result.total_amount)}{note}"
        self._say(line, error=False)
        if typed:  # typed on while the slip was saved: the start of the next one
            self._replay(typed)
        if self._said and self._said != line:  # e.g. no such customer: say both
            self._say(f"{self._said}（{line}）")
        else:
            self._say(line, error=False)
            self._announced = (result.number, line)
        # No toast: the line above says it, and every toast on screen is carried over
        # (re-mounted) at each screen change, the confirm panel included. The print
        # spool's thread starts once the result is on screen, not while it is drawn.
        if not result.already_posted:
            self.call_after_refresh(self.app.wake_spool)
