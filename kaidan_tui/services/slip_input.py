"""A slip as typed, and as checked: the values that flow from the screen to posting.

``SlipIn`` is what a clerk (or a file) typed, not yet checked; ``PreparedSlip`` is what
:func:`kaidan_tui.services.prepare.prepare` made of it against the store.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from kaidan_tui.db.models import Customer, Product
from kaidan_tui.domain.enums import PriceSource, Settlement, SlipType
from kaidan_tui.domain.errors import PolicyIssue
from kaidan_tui.domain.money import ZERO
from kaidan_tui.domain.pricing import PriceFacts, PriceSuggestion
from kaidan_tui.domain.text import clean_text
from kaidan_tui.services.store import LedgerInfo, WarehouseInfo


class LineIn(BaseModel):
    """One line as typed: codes and texts, not yet checked."""

    product: str
    qty: str
    price: str | None = None
    is_gift: bool = False
    trace_codes: list[str] = Field(default_factory=list)
    remarks: str = ""


class SlipIn(BaseModel):
    """A slip as typed (TUI) or read from a file (CLI), not yet checked."""

    type: SlipType = SlipType.SALE
    customer: str | None = None
    settlement: str | None = None
    delivery: str = ""
    remarks: str = ""
    recipient: str = ""
    po_number: str = ""
    handler: str = ""
    contact: str = ""
    """收货人 on this slip; empty: the customer record's contact (so for the four below)."""
    phone: str = ""
    freight_station: str = ""
    freight_phone: str = ""
    header_as_typed: bool = False
    """The four above are as typed even when empty (the order screen, which fills them
    from the customer record and shows them): an emptied field is missing, not the
    record's. From a file, empty means the record's."""
    ledger: str | None = None
    warehouse: str | None = None
    business_date: date | None = None
    idempotency_key: str | None = None
    discount: str = ""
    """Whole-slip discount as typed: 95折, -5%, -50, =1000, 抹零 (see domain.discount)."""
    against: str | None = None
    """A return against this sale (its number): quantities capped, prices from it."""
    lines: list[LineIn] = Field(default_factory=list)

    def digest(self) -> str:
        """What this order says, as a hash (its idempotency key left out): a second post
        under the same key is a repeat only when the digests match."""
        body = self.model_dump_json(exclude={"idempotency_key"})
        return hashlib.sha256(body.encode()).hexdigest()


def typed_or_record(slip_in: SlipIn, customer: Customer | None, name: str) -> str:
    """A header field as typed on the slip (收货人, 电话, 托运部 …), else the customer's."""
    typed = clean_text(getattr(slip_in, name, "") or "")
    if typed or (slip_in.header_as_typed and hasattr(slip_in, name)):
        return typed
    return str(getattr(customer, name, "") or "") if customer is not None else ""


@dataclass(slots=True)
class PreparedLine:
    line_no: int
    product: Product
    qty: Decimal
    price: Decimal
    amount: Decimal
    source: PriceSource
    policy: PriceSuggestion | None
    facts: PriceFacts | None
    is_gift: bool
    trace_codes: list[str]
    remarks: str
    issues: list[PolicyIssue] = field(default_factory=list)
    paid: Decimal = ZERO
    """``amount`` less the line's share of the whole-slip discount (docs/money.md)."""


@dataclass(slots=True)
class PreparedSlip:
    type: SlipType
    ledger: LedgerInfo
    warehouse: WarehouseInfo
    customer: Customer | None
    settlement: Settlement
    business_date: date
    lines: list[PreparedLine]
    total_qty: Decimal
    total_amount: Decimal
    """What the customer owes: the lines' total less the whole-slip discount."""
    issues: list[PolicyIssue]
    discount_amount: Decimal = ZERO
    against_id: int | None = None
    delivery: str = ""
    """The driver (送货); a return against a slip comes back with the slip's driver."""

    @property
    def subtotal(self) -> Decimal:
        return self.total_amount + self.discount_amount

    @property
    def blocking(self) -> list[PolicyIssue]:
        return [i for i in self.issues if i.blocking]

    @property
    def warnings(self) -> list[PolicyIssue]:
        return [i for i in self.issues if not i.blocking]
