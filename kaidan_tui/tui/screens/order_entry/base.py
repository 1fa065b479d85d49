"""The order on screen: what has been typed so far, the field helpers, the status line.

Every layer of the order screen (see the package's docstring) builds on
:class:`OrderBase`; it holds all the screen's state, so that each layer can read what
the others set, and none keeps a copy.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from rich.text import Text
from textual import getters
from textual.screen import Screen
from textual.widgets import Input, Static

from kaidan_tui.db.engine import Database
from kaidan_tui.domain import clock
from kaidan_tui.domain.dates import parse_day
from kaidan_tui.domain.enums import PriceSource, Settlement, SlipType
from kaidan_tui.domain.errors import KaidanError
from kaidan_tui.domain.slip_kinds import ENTERED, Original, Party, Prices
from kaidan_tui.services.catalog import CustomerHit
from kaidan_tui.services.quotes import Quote, SlipCheck
from kaidan_tui.services.slips import LineIn, PostResult, SlipIn
from kaidan_tui.services.users import UserInfo
from kaidan_tui.tui.autosaver import Autosaver
from kaidan_tui.tui.host import KaidanHost, ReportsWorkerErrors
from kaidan_tui.tui.screens.dialogs import ConfirmPost
from kaidan_tui.tui.screens.order_entry.line import Line
from kaidan_tui.tui.typeahead import KeepsTypeAhead, TypeAheadFocus

TYPES = ENTERED  # the kinds typed at the counter, in F2 order (domain/slip_kinds.py)
SETTLEMENTS = [s.value for s in Settlement]


class OrderBase(ReportsWorkerErrors, KeepsTypeAhead, TypeAheadFocus, Screen[None]):
    """The state of the order on screen and the helpers every layer uses."""

    app = getters.app(KaidanHost)

    def __init__(self, db: Database, user: UserInfo) -> None:
        super().__init__()
        self.db = db
        self.user = user
        self.slip_type = SlipType.SALE
        self.type_pinned = False  # Ctrl+Y: the type stays after a post
        self.customer: CustomerHit | None = None
        self.customer_settlement = ""  # the settlement the customer's record filled in
        self.lines: list[Line] = []
        self.editing: int | None = None  # index of the line loaded into the editor
        self.current: Quote | None = None  # the product in the editor
        self.gift = False  # the line in the editor is a gift (赠品)
        self._price_pick: tuple[PriceSource, Decimal] | None = None  # Ctrl+E's last pick
        self.scan_focus = "next"  # after a barcode scan: "next" line or "qty" (setting)
        self.discount = ""  # whole-slip discount as typed (95折, -50, =1000, 抹零)
        self.against: str | None = None  # a return against this sale
        self.replacing: str | None = None  # 改单: this posted slip is being replaced
        self.order_key = uuid.uuid4().hex
        self.autosave_key = uuid.uuid4().hex  # the order's autosave row (a new one per order)
        self._autosave_rev = 0
        self.autosaver: Autosaver | None = None  # started when the screen is mounted
        self.held_id: int | None = None
        self.copy_of: int | None = None  # the held order this one diverged from
        self.popup_for: str | None = None  # which input the popup belongs to
        self.popup_query = ""
        self._pending_lookup: tuple[str, str] | None = None  # (owner, query) to look up
        self.check_result = SlipCheck()
        self.posting = False
        self.last_posted: PostResult | None = None
        self._announced: tuple[str, str] | None = None  # (slip number, the line saying so)
        self._said = ""  # the status line's text
        self._said_error = False  # … and whether it is a refusal (red)
        self._discard_armed = 0.0  # when Ctrl+N could not hold the order (monotonic)
        self._typed: list[str] = []  # keys typed while a slip is being saved
        self._confirm: ConfirmPost | None = None  # the panel a post was started from

    # --- helpers ------------------------------------------------------------------------

    def _input(self, name: str) -> Input:
        return self.query_one(f"#{name}", Input)

    def _focus(self, name: str) -> None:
        """Move focus now (``Widget.focus`` is deferred; type-ahead must not be)."""
        self.set_focus(self._input(name))

    def _say(self, message: str, *, error: bool = True) -> None:
        style = "bold red" if error else "green"
        self.query_one("#editor-msg", Static).update(Text(message, style=style))
        self._announced = None
        self._said = message
        self._said_error = error and bool(message)

    def worker_failed(self, message: str) -> None:
        self._say(message)

    def _show_type(self) -> None:
        against = self.against if self.slip_type.kind.original is Original.MAY else None
        origin = f" · 原单 {against}" if against else ""
        if self.replacing:
            origin = f" · 改单（替换 {self.replacing}）"
        pin = " · 已固定" if self.type_pinned else ""
        self.title = f"开单 · {self.slip_type.label}（{self.slip_type.slip_title}）{origin}{pin}"
        other = self.slip_type is not SlipType.SALE
        self.query_one("#order-head").set_class(other, "-other-type")
        tag = self.query_one("#type-tag", Static)
        tag.display = other or self.type_pinned
        tag.update(f" {self.slip_type.label}{'（固定）' if self.type_pinned else ''} ")
        self.sub_title = f"{self.user.name}（{self.user.role.label}）"
        for w in self.query(".gift-only"):
            w.display = self.slip_type.kind.party is Party.CUSTOMER_OR_RECIPIENT

    # --- autosave -------------------------------------------------------------------------

    def _end_autosave(self, outcome: str) -> None:
        """The order left the screen (posted, held, given up): its autosave is closed and
        the next order gets a key of its own."""
        if self.autosaver is not None and self._autosave_rev:
            self.autosaver.close(self.autosave_key, user=self.user, outcome=outcome)
        self.autosave_key = uuid.uuid4().hex
        self._autosave_rev = 0

    def _autosave_failed(self, message: str) -> None:
        """Called in the autosave thread."""
        self.app.call_from_thread(self._say, message)

    def typed_date(self) -> date | None:
        """The business date in the header; None (today) when empty or not a date (F9
        says so: see the header layer)."""
        text = self._input("business_date").value.strip()
        if not text:
            return None
        try:
            return parse_day(text, today=clock.today())
        except KaidanError:
            return None

    def slip_in(self) -> SlipIn:
        return SlipIn(
            type=self.slip_type,
            customer=self.customer.code if self.customer else None,
            settlement=self._input("settlement").value.strip() or None,
            remarks=self._input("remarks").value,
            recipient=self._input("recipient").value,
            delivery=self._input("delivery").value,
            handler=self._input("handler").value,
            po_number=self._input("po_number").value,
            warehouse=self._input("warehouse").value.strip() or None,
            business_date=self.typed_date(),
            contact=self._input("contact").value,
            phone=self._input("phone").value,
            freight_station=self._input("freight_station").value,
            freight_phone=self._input("freight_phone").value,
            header_as_typed=self.customer is not None,
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
