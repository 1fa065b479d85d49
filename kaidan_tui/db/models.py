"""Every table of the store, in one module.

Conventions:
- money columns use :class:`Money` (integer fen), quantities :class:`Qty`, rates :class:`Rate`;
- enumerations are stored as their string values (see ``kaidan_tui.domain.enums``);
- nothing is ever deleted: slips are voided or reversed, products and customers are
  deactivated. The migration installs triggers that refuse DELETE and refuse changes to a
  posted slip's money; :mod:`kaidan_tui.db.guards` refuses the same in the ORM.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Index, MetaData, UniqueConstraint
from sqlmodel import Field, SQLModel

from kaidan_tui.db.columns import Money, Qty, Rate
from kaidan_tui.domain import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata = MetaData(naming_convention=NAMING_CONVENTION)
metadata = SQLModel.metadata


def _now() -> datetime:
    return clock.now()


class Ledger(SQLModel, table=True):
    """账套: the legal entity whose header (表头) a slip is printed under."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    name: str = Field(max_length=100)
    header: str = Field(max_length=100, description="表头: the title line on slips")
    address: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=50)
    number_format: str = Field(default="{prefix}{year}{seq:04d}", max_length=60)
    is_default: bool = False


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    name: str = Field(max_length=50)
    role: str = Field(max_length=16)  # Role
    pin_hash: str = Field(max_length=200)
    active: bool = True
    failed_attempts: int = 0
    locked_until: datetime | None = None
    created_at: datetime = Field(default_factory=_now)


class Warehouse(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    name: str = Field(max_length=50)
    is_default: bool = False


class Customer(SQLModel, table=True):
    __table_args__ = (Index("ix_customer_initials_code", "initials", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=100)
    initials: str = Field(default="", max_length=100)
    contact: str = Field(default="", max_length=50)
    phone: str = Field(default="", max_length=50, index=True)
    address: str = Field(default="", max_length=200)
    channel: str = Field(default="直销", max_length=8)  # Channel
    tier: str = Field(default="", max_length=32)
    settlement: str = Field(default="现款", max_length=8)  # Settlement
    credit_limit: Decimal = Field(default=Decimal("0.00"), sa_type=Money)
    credit_policy: str = Field(default="approve", max_length=16)  # CreditPolicy
    freight_station: str = Field(default="", max_length=100)
    freight_phone: str = Field(default="", max_length=50)
    store_code: str = Field(default="", max_length=32)
    ledger_id: int | None = Field(default=None, foreign_key="ledger.id")
    active: bool = True
    remarks: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class Product(SQLModel, table=True):
    __table_args__ = (Index("ix_product_initials_code", "initials", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    barcode: str | None = Field(default=None, max_length=32, index=True)
    name: str = Field(max_length=100, index=True)
    initials: str = Field(default="", max_length=100)
    spec: str = Field(default="", max_length=50)
    unit: str = Field(default="", max_length=8)
    case_size: int = 1
    list_price: Decimal = Field(sa_type=Money)
    floor_price: Decimal | None = Field(default=None, sa_type=Money)
    cost: Decimal | None = Field(default=None, sa_type=Money)
    tax_rate: Decimal = Field(default=Decimal("0.13"), sa_type=Rate)
    coded: bool = False  # D3: needs trace codes (瓶码/箱码) on every outbound line
    category: str = Field(default="", max_length=32)
    active: bool = True
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class TierPrice(SQLModel, table=True):
    __tablename__ = "tier_price"

    __table_args__ = (UniqueConstraint("product_id", "tier"),)

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id")
    tier: str = Field(max_length=32)
    price: Decimal = Field(sa_type=Money)


class AgreedPrice(SQLModel, table=True):
    """协议价: a customer's agreed price for a product, valid over a date range."""

    __tablename__ = "agreed_price"

    __table_args__ = (Index("ix_agreed_price_customer_product", "customer_id", "product_id"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    product_id: int = Field(foreign_key="product.id")
    price: Decimal = Field(sa_type=Money)
    valid_from: date | None = None
    valid_to: date | None = None


class Stock(SQLModel, table=True):
    """On-hand quantity per product and warehouse; always the sum of its movements."""

    __tablename__ = "stock"

    product_id: int = Field(foreign_key="product.id", primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id", primary_key=True)
    qty: Decimal = Field(default=Decimal("0"), sa_type=Qty)


class NumberCounter(SQLModel, table=True):
    """The last number used in a series (ledger × slip type × year). Gap-free."""

    __tablename__ = "number_counter"

    ledger_id: int = Field(foreign_key="ledger.id", primary_key=True)
    slip_type: str = Field(max_length=16, primary_key=True)
    year: int = Field(primary_key=True)
    last_seq: int = 0


class CustomerLastPrice(SQLModel, table=True):
    """The last price each customer paid for each product (D12), kept at posting time.

    One indexed row per pair, so the price a clerk sees costs one lookup however long
    the customer's history is. Rebuilt from history when a slip is voided or reversed.
    """

    __tablename__ = "customer_last_price"

    customer_id: int = Field(foreign_key="customer.id", primary_key=True)
    product_id: int = Field(foreign_key="product.id", primary_key=True)
    price: Decimal = Field(sa_type=Money)
    qty: Decimal = Field(sa_type=Qty)
    slip_id: int = Field(foreign_key="slip.id")
    posted_at: datetime


class Slip(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("ledger_id", "number"),
        UniqueConstraint("ledger_id", "type", "year", "seq"),
        Index("ix_slip_business_date", "business_date"),
        Index("ix_slip_customer_date", "customer_id", "business_date"),
        Index("ix_slip_number", "number"),
        Index("ix_slip_seq", "seq"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ledger_id: int = Field(foreign_key="ledger.id")
    type: str = Field(max_length=16)  # SlipType
    status: str = Field(default="draft", max_length=16)  # SlipStatus
    number: str | None = Field(default=None, max_length=32)
    seq: int | None = None
    year: int | None = None
    idempotency_key: str | None = Field(default=None, max_length=64, unique=True)
    business_date: date
    created_at: datetime = Field(default_factory=_now)
    posted_at: datetime | None = None

    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    # Snapshot of the customer as printed (the customer record may change later).
    cust_code: str = Field(default="", max_length=32)
    cust_name: str = Field(default="", max_length=100)
    cust_contact: str = Field(default="", max_length=50)
    cust_phone: str = Field(default="", max_length=50)
    cust_address: str = Field(default="", max_length=200)
    channel: str = Field(default="", max_length=8)
    freight_station: str = Field(default="", max_length=100)
    freight_phone: str = Field(default="", max_length=50)
    store_code: str = Field(default="", max_length=32)
    po_number: str = Field(default="", max_length=50)
    recipient: str = Field(default="", max_length=100)  # gift / other out

    settlement: str = Field(default="现款", max_length=8)
    delivery: str = Field(default="", max_length=32)
    warehouse_id: int = Field(foreign_key="warehouse.id")
    maker_id: int = Field(foreign_key="app_user.id")
    handler: str = Field(default="", max_length=50)
    approver_id: int | None = Field(default=None, foreign_key="app_user.id")
    remarks: str = Field(default="", max_length=500)
    hold_reason: str = Field(default="", max_length=1000)

    line_count: int = 0
    total_qty: Decimal = Field(default=Decimal("0"), sa_type=Qty)
    total_amount: Decimal = Field(default=Decimal("0.00"), sa_type=Money)
    discount_amount: Decimal = Field(default=Decimal("0.00"), sa_type=Money)

    void_reason: str = Field(default="", max_length=500)
    voided_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    voided_at: datetime | None = None
    reverses_id: int | None = Field(default=None, foreign_key="slip.id")
    against_id: int | None = Field(default=None, index=True)  # a return against this sale
    # What the post was given (services/slips.input_digest): a repeat under the same
    # idempotency key is recognised only when it says the same thing.
    input_digest: str | None = Field(default=None, max_length=64)
    # A held order on a screen: that screen's autosave key, its counter, clerk and when.
    claim_token: str | None = Field(default=None, max_length=32)
    claim_counter: str | None = Field(default=None, max_length=64)
    claim_user_id: int | None = None
    claimed_at: datetime | None = None


class SlipLine(SQLModel, table=True):
    __tablename__ = "slip_line"
    __table_args__ = (
        UniqueConstraint("slip_id", "line_no"),
        Index("ix_slip_line_product", "product_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slip_id: int = Field(foreign_key="slip.id")
    line_no: int
    product_id: int = Field(foreign_key="product.id")
    code: str = Field(max_length=32)
    name: str = Field(max_length=100)
    spec: str = Field(default="", max_length=50)
    unit: str = Field(default="", max_length=8)
    qty: Decimal = Field(sa_type=Qty)
    price: Decimal = Field(sa_type=Money)
    amount: Decimal = Field(sa_type=Money)
    paid: Decimal = Field(default=Decimal("0.00"), sa_type=Money)
    """What was paid for the line: ``amount`` less its share of the whole-slip discount
    (docs/money.md, rule 1). A return refunds from it."""
    policy_price: Decimal | None = Field(default=None, sa_type=Money)
    price_source: str = Field(default="list", max_length=16)  # PriceSource
    approved_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    approval_reason: str = Field(default="", max_length=200)
    is_gift: bool = False
    remarks: str = Field(default="", max_length=200)


class SlipLineCode(SQLModel, table=True):
    """D3: a trace code (二次编码 / 瓶码 / 箱码) of one item on a line."""

    __tablename__ = "slip_line_code"

    id: int | None = Field(default=None, primary_key=True)
    line_id: int = Field(foreign_key="slip_line.id", index=True)
    code: str = Field(max_length=64, index=True)


class StockMovement(SQLModel, table=True):
    __tablename__ = "stock_movement"
    __table_args__ = (
        Index("ix_stock_movement_product", "product_id", "warehouse_id"),
        Index("ix_stock_movement_created_at", "created_at"),  # stock as of a past day
    )

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id")
    warehouse_id: int = Field(foreign_key="warehouse.id")
    qty: Decimal = Field(sa_type=Qty)  # signed: + in, − out
    kind: str = Field(max_length=16)  # slip, opening, adjust, void
    slip_id: int | None = Field(default=None, foreign_key="slip.id", index=True)
    line_id: int | None = Field(default=None, foreign_key="slip_line.id")
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=_now)
    remarks: str = Field(default="", max_length=200)


class Payment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ledger_id: int = Field(foreign_key="ledger.id")
    customer_id: int = Field(foreign_key="customer.id", index=True)
    amount: Decimal = Field(sa_type=Money)
    method: str = Field(max_length=16)  # 现金 / 转账 / 汇款
    business_date: date = Field(index=True)
    received_at: datetime = Field(default_factory=_now)
    user_id: int = Field(foreign_key="app_user.id")
    slip_id: int | None = Field(default=None, foreign_key="slip.id")
    remarks: str = Field(default="", max_length=200)


class PrintJob(SQLModel, table=True):
    __tablename__ = "print_job"
    __table_args__ = (Index("ix_print_job_status", "status", "printer"),)

    id: int | None = Field(default=None, primary_key=True)
    slip_id: int = Field(foreign_key="slip.id", index=True)
    printer: str = Field(max_length=50)
    status: str = Field(default="pending", max_length=16)  # JobStatus
    reprint_no: int = 0
    attempts: int = 0
    last_error: str = Field(default="", max_length=500)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=_now)
    sent_at: datetime | None = None
    claimed_at: datetime | None = None
    station: str = Field(default="", max_length=64)  # the counter (host) that claimed it
    resolved_by_id: int | None = None  # who answered "did it print?" for an uncertain job
    resolved_at: datetime | None = None
    note: str = Field(default="", max_length=200)


class FormSerial(SQLModel, table=True):
    """A pre-printed four-part form (四联单 with its own serial): the slip it carries, or
    spoiled (废联: jammed, misprinted), so paper and store reconcile one to one."""

    __tablename__ = "form_serial"

    id: int | None = Field(default=None, primary_key=True)
    serial: str = Field(max_length=32, unique=True)
    slip_id: int | None = Field(default=None, foreign_key="slip.id", index=True)
    status: str = Field(max_length=16)  # used / spoiled
    reason: str = Field(default="", max_length=200)
    user_id: int = Field(foreign_key="app_user.id")
    at: datetime = Field(default_factory=_now)


class CashCount(SQLModel, table=True):
    """与驾驶员对单: cash a driver handed in for a day; the latest row per driver counts
    (a recount is a new row), its note explains any difference."""

    __tablename__ = "cash_count"
    __table_args__ = (Index("ix_cash_count_day", "ledger_id", "business_date"),)

    id: int | None = Field(default=None, primary_key=True)
    ledger_id: int = Field(foreign_key="ledger.id")
    business_date: date
    driver: str = Field(max_length=32)
    amount: Decimal = Field(sa_type=Money)
    note: str = Field(default="", max_length=200)
    user_id: int = Field(foreign_key="app_user.id")
    at: datetime = Field(default_factory=_now)


class ReturnCopy(SQLModel, table=True):
    """回单: the signed return copy of a credit slip has come back."""

    __tablename__ = "return_copy"

    slip_id: int = Field(foreign_key="slip.id", primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    at: datetime = Field(default_factory=_now)


class DayClose(SQLModel, table=True):
    """日结: a closed business day of a ledger, with its totals and audit checksum."""

    __tablename__ = "day_close"
    __table_args__ = (UniqueConstraint("ledger_id", "business_date"),)

    id: int | None = Field(default=None, primary_key=True)
    ledger_id: int = Field(foreign_key="ledger.id")
    business_date: date
    user_id: int = Field(foreign_key="app_user.id")
    at: datetime = Field(default_factory=_now)
    totals: str
    audit_head: str = Field(max_length=64)
    audit_checksum: str = Field(max_length=64)


class DayRecheck(SQLModel, table=True):
    """A closed day recomputed later (``kaidan day recheck --record``): appended next to
    its close, never replacing it. ``differences`` lists each stored figure that differs."""

    __tablename__ = "day_recheck"

    id: int | None = Field(default=None, primary_key=True)
    close_id: int = Field(foreign_key="day_close.id", index=True)
    ledger_id: int = Field(foreign_key="ledger.id")
    business_date: date
    user_id: int = Field(foreign_key="app_user.id")
    at: datetime = Field(default_factory=_now)
    totals: str
    differences: str


class CustomerAccount(SQLModel, table=True):
    """外欠 kept current: one row per customer with credit slips or payments.

    Written only by database triggers (migration 0006) as slips are posted, voided or
    reversed and payments are received, so every code path keeps it right. ``balance``
    is what the customer owes; ``charged`` and ``charge_count`` are the credit sales
    (positive credit slips) ever posted, from which aging works out what is overdue
    without reading the customer's whole history.
    """

    __tablename__ = "customer_account"

    customer_id: int = Field(foreign_key="customer.id", primary_key=True)
    balance: Decimal = Field(default=Decimal("0.00"), sa_type=Money)
    charged: Decimal = Field(default=Decimal("0.00"), sa_type=Money)
    charge_count: int = 0


class AuditLog(SQLModel, table=True):
    """Append-only, hash-chained record of every post, void, approval, print and login."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=_now)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    action: str = Field(max_length=32)
    entity: str = Field(default="", max_length=32)
    entity_id: int | None = None
    detail: str = Field(default="")
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(max_length=64)


class OrderAutosave(SQLModel, table=True):
    """The order on a counter's screen, saved after every committed line and header field
    (``services/autosave.py``), so a killed app or a power cut loses at most the line in
    the editor. Never a slip and never numbered; closed (not deleted) once the order is
    posted, held or given up."""

    __tablename__ = "order_autosave"
    __table_args__ = (Index("ix_order_autosave_open", "closed_at", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=32, unique=True)
    counter: str = Field(max_length=64)
    user_id: int = Field(foreign_key="app_user.id")
    revision: int = 0
    data: str = ""
    summary: str = Field(default="", max_length=200)
    updated_at: datetime = Field(default_factory=_now)
    closed_at: datetime | None = None
    outcome: str = Field(default="", max_length=100)
    owner: str = Field(default="", max_length=80)  # "host:pid" of the screen saving it


class Setting(SQLModel, table=True):
    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(default="", max_length=500)


PROTECTED_TABLES = (
    "ledger",
    "app_user",
    "warehouse",
    "customer",
    "product",
    "slip",
    "number_counter",
    "stock",
    "stock_movement",
    "payment",
    "print_job",
    "audit_log",
    "form_serial",
    "cash_count",
    "return_copy",
    "day_close",
    "customer_account",
    "order_autosave",
)
"""Tables from which no row may ever be deleted (triggers and ORM guard)."""
