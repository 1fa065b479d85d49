"""The slip's header beyond the customer: 送货 (driver, 自提 …), 经手人, PO号 (商超),
仓库, business date, and for a 地州 customer 收货人 / 电话 / 托运部 / 托运部电话.

The fields a channel does not use are hidden, so Tab and Enter skip them. A 地州
customer's receiver and freight station come from the customer record and may be
changed for this slip; what D8 requires is checked by the services at F9, which name the
field (and the screen puts the cursor there). Header text is autosaved as it is typed
(a second after the last key) and when the field is left.
"""

from __future__ import annotations

from textual import events, on
from textual.suggester import SuggestFromList
from textual.timer import Timer
from textual.widgets import Input

from kaidan_tui.domain import clock
from kaidan_tui.domain.dates import parse_day
from kaidan_tui.domain.enums import Channel
from kaidan_tui.domain.errors import KaidanError
from kaidan_tui.services import catalog, day_end
from kaidan_tui.services.catalog import CustomerHit
from kaidan_tui.services.slips import SlipIn
from kaidan_tui.tui.screens.order_entry.customer import OrderCustomer

HEAD_ROW = (("送货", "delivery", ""), ("经手", "handler", ""), ("PO号", "po_number", "po-only"),
            ("仓库", "warehouse", ""), ("日期", "business_date", ""))  # fmt: skip
REGIONAL_ROW = (("收货人", "contact", ""), ("电话", "phone", ""), ("托运部", "freight_station", ""),
                ("托运电话", "freight_phone", ""))  # fmt: skip
"""The header rows under the customer, (label, field id, extra class), in Enter order."""
HEAD = tuple(name for _label, name, _extra in HEAD_ROW)
REGIONAL = tuple(name for _label, name, _extra in REGIONAL_ROW)
TEXT_FIELDS = frozenset((*HEAD, *REGIONAL, "settlement", "remarks", "recipient"))
AUTOSAVE_AFTER = 1.0
"""Seconds after the last key in a header field before it is autosaved."""


class OrderHeader(OrderCustomer):
    """The header fields: shown as the channel needs, Enter from one to the next."""

    _header_timer: Timer | None = None
    _po_first = False  # PO号 was reached straight from the customer field

    def header_order(self) -> list[str]:
        """The header fields Enter walks through, as shown now."""
        names = [n for n in HEAD if self._input(n).display]
        if self.query_one("#regional-row").display:
            names += REGIONAL
        return names

    def show_channel(self) -> None:
        """PO号 for a 商超 customer, the freight row for a 地州 one; hidden otherwise."""
        channel = self.customer.channel if self.customer is not None else ""
        for w in self.query(".po-only"):
            w.display = channel == Channel.SUPERMARKET
        self.query_one("#regional-row").display = channel == Channel.REGIONAL

    def set_customer(self, hit: CustomerHit) -> None:
        """A new customer: the receiver and freight station are theirs (typed over for
        this slip if need be)."""
        for name in REGIONAL:
            self._input(name).value = str(getattr(hit, name, "") or "")
        super().set_customer(hit)
        self.show_channel()

    def after_customer(self) -> str:
        """Where Enter goes from the customer: a 商超 slip's PO号 first, while empty."""
        supermarket = self.customer is not None and self.customer.channel == Channel.SUPERMARKET
        self._po_first = supermarket and not self._input("po_number").value
        closed = self._closed_note()
        if self._po_first:  # said, or the next product code is typed into the PO号
            self._say("商超客户：先输入 PO号，回车到商品。" + closed, error=False)
        elif closed:
            self._say(closed, error=False)
        return "po_number" if self._po_first else "product"

    def _closed_note(self) -> str:
        """Said when the customer is picked: their ledger's day is already closed."""
        try:
            day, open_day = day_end.open_day_for(self.db, self.slip_in())
        except KaidanError:
            return ""
        if day == open_day:
            return ""
        return f"{day} 已日结：过账时可改记 {open_day}，或挂单。"

    def header_enter(self, name: str) -> None:
        if name == "business_date" and not self.check_date():
            return
        self._changed()  # a 收货人 or 托运部 filled in: its warning goes at once
        if name == "po_number" and self._po_first:  # came from the customer: on to the lines
            self._po_first = False
            self._focus("product")
            return
        order = self.header_order()
        later = order[order.index(name) + 1 :] if name in order else order  # from 结算
        self._focus(later[0] if later else "product")

    def check_date(self) -> bool:
        """The business date typed, if any, is a date (F9 and Enter): else say so, there."""
        field = self._input("business_date")
        text = field.value.strip()
        if not text:
            return True
        try:
            day = parse_day(text, today=clock.today())
        except KaidanError as exc:
            self._say(exc.message)
            self._focus("business_date")
            return False
        field.value = day.isoformat()
        today = clock.today()
        if day > today:
            self._say(f"日期 {day} 晚于今天：只有今天已日结，才能记入下一个营业日（F9 时会问）。")
        elif day < today:
            self._say(f"补单：日期 {day} 早于今天，过账时需主管审批。", error=False)
        elif self._said.startswith("日期"):
            self._say("", error=False)  # the date is right now: the old complaint goes
        return True

    def clear_header(self) -> None:
        for name in (*HEAD, *REGIONAL):
            self._input(name).value = ""
        self.show_channel()

    def fill_header(self, order: SlipIn) -> None:
        """A held, autosaved or copied slip's header back in its fields."""
        values = {
            "delivery": order.delivery,
            "handler": order.handler,
            "po_number": order.po_number,
            "warehouse": order.warehouse or "",
            "business_date": order.business_date.isoformat() if order.business_date else "",
            "contact": order.contact,
            "phone": order.phone,
            "freight_station": order.freight_station,
            "freight_phone": order.freight_phone,
        }
        for name, value in values.items():
            if value:
                self._input(name).value = value
        self.show_channel()

    def load_drivers(self) -> None:
        """送货 suggests the drivers of the last months (→ takes the suggestion)."""
        try:
            names = catalog.recent_drivers(self.db)
        except Exception:  # a suggestion list is not worth a failed screen
            names = ["自提"]
        self._input("delivery").suggester = SuggestFromList(names, case_sensitive=False)

    # --- autosave of header text ---------------------------------------------------------

    @on(Input.Changed)
    def _header_typed(self, event: Input.Changed) -> None:
        if event.input.id not in TEXT_FIELDS or not event.input.has_focus:
            return
        if self._header_timer is not None:
            self._header_timer.stop()
        self._header_timer = self.set_timer(AUTOSAVE_AFTER, self._autosave)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if event.widget.id in TEXT_FIELDS:
            if self._header_timer is not None:
                self._header_timer.stop()
                self._header_timer = None
            self._autosave()
