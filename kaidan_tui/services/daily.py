"""日结: the daily report of a ledger, the cash from each driver, the return copies, and
closing the day (D9, D13, D14, D15, D19).

Every figure is computed from the slips, lines, movements, payments and counts of the
store; :func:`report` never writes. :func:`close` refuses a day whose cash differences
are not explained, then records the totals and a checksum of the day's audit rows;
after that the day's slips can only be reversed and nothing can be dated into it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import literal_column
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.models import (
    CashCount,
    Ledger,
    NumberCounter,
    Payment,
    Slip,
    SlipLine,
    Stock,
    StockMovement,
    User,
)
from kaidan_tui.db.queries import accounts
from kaidan_tui.db.queries.accounts import Overdue
from kaidan_tui.db.queries.slips import day_is_closed
from kaidan_tui.domain.effects import COUNTED_STATUSES, sales_sign
from kaidan_tui.domain.enums import CREDIT_SETTLEMENTS, Settlement, SlipStatus, SlipType
from kaidan_tui.domain.errors import NotFound
from kaidan_tui.domain.money import ZERO, money
from kaidan_tui.domain.numbering import format_number
from kaidan_tui.domain.slip_kinds import CHARGING
from kaidan_tui.domain.text import clean_text

if TYPE_CHECKING:
    pass

PICKUP = "自提"
"""The driver label of slips without a delivery driver."""


class DaySlip(NamedTuple):
    """What the report reads of each slip of the day (a few columns, not whole rows)."""

    id: int
    type: str
    status: str
    number: str | None
    seq: int | None
    year: int | None
    settlement: str
    channel: str
    delivery: str
    cust_name: str
    total_qty: Decimal
    total_amount: Decimal
    void_reason: str
    voided_by_id: int | None
    reverses_id: int | None


_DAY_COLUMNS = [col(getattr(Slip, name)) for name in DaySlip._fields]


def driver_of(slip: Slip | DaySlip) -> str:
    return clean_text(slip.delivery) or PICKUP


def _ledgers(session: Session) -> Sequence[Ledger]:
    """Every ledger (账套), the default first."""
    return session.exec(
        select(Ledger).order_by(col(Ledger.is_default).desc(), col(Ledger.id))
    ).all()


def _ledger(session: Session, code: str | None) -> Ledger:
    if code:
        query = select(Ledger).where(Ledger.code == code.strip().upper())
        ledger = session.exec(query).first()
    else:
        ledger = next(iter(_ledgers(session)), None)
    if ledger is None:
        raise NotFound(f"没有账套「{code}」。")
    return ledger


# -- the report --------------------------------------------------------------------------


@dataclass
class Figures:
    count: int = 0
    qty: Decimal = ZERO
    amount: Decimal = ZERO

    def add(self, qty: Decimal, amount: Decimal) -> None:
        self.count += 1
        self.qty += qty
        self.amount += amount


@dataclass
class Series:
    ledger: str
    type: str
    year: int
    first: str
    last: str
    count: int
    gaps: list[str]
    duplicates: list[str]


@dataclass
class VoidRow:
    number: str
    reason: str
    approver: str
    amount: Decimal


@dataclass
class DriverCash:
    driver: str
    slips: list[str]
    expected: Decimal
    received: Decimal | None
    note: str

    @property
    def difference(self) -> Decimal | None:
        return None if self.received is None else self.received - self.expected

    @property
    def settled(self) -> bool:
        """Counted, and either exact or explained."""
        return self.received is not None and (self.difference == 0 or bool(self.note.strip()))


@dataclass
class MissingCopy:
    number: str
    driver: str
    customer: str
    amount: Decimal


@dataclass
class ProductDay:
    code: str
    name: str
    unit: str
    qty: Decimal
    amount: Decimal
    stock_after: Decimal


@dataclass
class DailyReport:
    ledger: str
    day: date
    closed: bool
    by_type: dict[str, dict[str, Figures]] = field(default_factory=dict)
    """type → status → figures (posted, void, reversed)."""
    by_settlement: dict[str, Figures] = field(default_factory=dict)
    by_channel: dict[str, Figures] = field(default_factory=dict)
    series: list[Series] = field(default_factory=list)
    voids: list[VoidRow] = field(default_factory=list)
    drivers: list[DriverCash] = field(default_factory=list)
    missing_copies: list[MissingCopy] = field(default_factory=list)
    copies_back: int = 0
    payments: dict[str, Decimal] = field(default_factory=dict)
    alerts: list[Overdue] = field(default_factory=list)
    products: list[ProductDay] = field(default_factory=list)
    numbers_checked: bool = False
    """Set once every series of the day has been checked: "gap_free" means nothing before."""

    @property
    def gap_free(self) -> bool:
        return self.numbers_checked and all(not s.gaps and not s.duplicates for s in self.series)

    @property
    def cash_settled(self) -> bool:
        return all(d.settled for d in self.drivers)


def _signs(session: Session, slips: Sequence[DaySlip]) -> dict[int, int]:
    """Each slip's sign in the day's sales totals (docs/money.md, rule 4)."""
    originals = [s.reverses_id for s in slips if s.reverses_id is not None]
    kinds: dict[int, str] = {}
    if originals:
        kinds = {
            i: t
            for i, t in session.exec(
                select(Slip.id, Slip.type).where(col(Slip.id).in_(originals))
            ).all()
            if i is not None
        }
    return {s.id: sales_sign(s.type, s.status, kinds.get(s.reverses_id or 0)) for s in slips}


def report(db: Database, day: date, *, ledger: str | None = None) -> DailyReport:
    with db.read() as session:
        return _report(session, day, _ledger(session, ledger))


def ledger_codes(db: Database) -> list[str]:
    """Every ledger (账套), the default first."""
    with db.read() as session:
        return [lg.code for lg in _ledgers(session)]


def open_ledgers(db: Database, day: date) -> list[str]:
    """The ledgers (账套) whose ``day`` is not closed yet, the default first: each is closed
    on its own, and F4 names the ones still open after a close."""
    with db.read() as session:
        return [
            lg.code
            for lg in _ledgers(session)
            if lg.id is not None and not day_is_closed(session, lg.id, day)
        ]


def _report(session: Session, day: date, ledger: Ledger) -> DailyReport:
    assert ledger.id is not None
    out = DailyReport(ledger.code, day, day_is_closed(session, ledger.id, day))
    slips = [
        DaySlip._make(row)
        for row in session.execute(
            sa_select(*_DAY_COLUMNS).where(
                col(Slip.ledger_id) == ledger.id,
                col(Slip.business_date) == day,
                col(Slip.status).in_(
                    [SlipStatus.POSTED.value, SlipStatus.VOID.value, SlipStatus.REVERSED.value]
                ),
            )
        )
    ]
    names = dict(session.exec(select(User.id, User.name)).all())
    signs = _signs(session, slips)
    for s in slips:
        status = SlipStatus(s.status).value
        out.by_type.setdefault(s.type, {}).setdefault(status, Figures()).add(
            s.total_qty, s.total_amount
        )
        if sign := signs[s.id]:
            qty, amount = s.total_qty * sign, s.total_amount * sign
            out.by_settlement.setdefault(s.settlement, Figures()).add(qty, amount)
            out.by_channel.setdefault(s.channel or "（无）", Figures()).add(qty, amount)
        if s.status == SlipStatus.VOID.value:
            out.voids.append(
                VoidRow(
                    s.number or "", s.void_reason, names.get(s.voided_by_id, ""), s.total_amount
                )
            )
    out.series = _series(session, ledger, slips)
    out.numbers_checked = True
    out.drivers = _drivers(session, ledger.id, day, slips, signs)
    out.missing_copies, out.copies_back = _copies(session, slips)
    for method, total in session.exec(
        select(Payment.method, func.sum(Payment.amount))
        .where(Payment.ledger_id == ledger.id, Payment.business_date == day)
        .group_by(col(Payment.method))
    ).all():
        out.payments[method] = total or ZERO
    out.alerts = accounts.to_chase(session, day)
    out.products = _products(session, ledger.id, day)
    out.voids.sort(key=lambda v: v.number)
    return out


def _series(session: Session, ledger: Ledger, slips: Sequence[DaySlip]) -> list[Series]:
    """连号检查: each series of the day, first and last number, and every number between
    them that the store does not hold (a gap) or holds twice."""
    days: dict[tuple[str, int], list[int]] = defaultdict(list)
    for s in slips:
        if s.seq is not None and s.year is not None:
            days[(s.type, s.year)].append(s.seq)
    out = []
    for (kind, year), seqs in sorted(days.items()):
        lo, hi = min(seqs), max(seqs)
        held = session.exec(
            select(Slip.seq, func.count())
            .where(
                Slip.ledger_id == ledger.id,
                Slip.type == kind,
                Slip.year == year,
                col(Slip.seq).between(lo, hi),
            )
            .group_by(col(Slip.seq))
        ).all()
        counts = {seq: n for seq, n in held if seq is not None}

        def label(seq: int, kind: str = kind, year: int = year) -> str:
            return format_number(ledger.number_format, prefix=SlipType(kind).prefix,
                                 ledger=ledger.code, year=year, seq=seq)  # fmt: skip

        out.append(
            Series(
                ledger=ledger.code,
                type=kind,
                year=year,
                first=label(lo),
                last=label(hi),
                count=len(seqs),
                gaps=[label(n) for n in range(lo, hi + 1) if n not in counts],
                duplicates=[label(n) for n, c in counts.items() if c > 1],
            )
        )
        counter = session.get(NumberCounter, (ledger.id, kind, year))
        if counter is not None and counter.last_seq < hi:  # a counter behind its slips
            out[-1].duplicates.append(f"计数器 {counter.last_seq} 小于最大号 {hi}")
    return out


def _drivers(
    session: Session,
    ledger_id: int,
    day: date,
    slips: Sequence[DaySlip],
    signs: dict[int, int],
) -> list[DriverCash]:
    """Cash (现款) slips per driver: what the driver should hand in, and what was counted."""
    expected: dict[str, Decimal] = defaultdict(Decimal)
    numbers: dict[str, list[str]] = defaultdict(list)
    for s in slips:
        if s.settlement != Settlement.CASH.value or not signs[s.id]:
            continue
        d = driver_of(s)
        expected[d] += s.total_amount * signs[s.id]
        numbers[d].append(s.number or "")
    counts: dict[str, CashCount] = {}
    for row in session.exec(
        select(CashCount)
        .where(CashCount.ledger_id == ledger_id, CashCount.business_date == day)
        .order_by(col(CashCount.id))
    ).all():
        counts[row.driver] = row  # the latest count of each driver
    out = []
    for d in sorted(set(expected) | set(counts)):
        c = counts.get(d)
        out.append(
            DriverCash(
                d,
                sorted(numbers.get(d, [])),
                money(expected.get(d, ZERO)),
                c.amount if c else None,
                c.note if c else "",
            )
        )
    return out


def _copies(session: Session, slips: Sequence[DaySlip]) -> tuple[list[MissingCopy], int]:
    """回单: posted credit slips whose signed return copy has not come back."""
    from kaidan_tui.db.models import ReturnCopy

    credit = [
        s
        for s in slips
        if s.status == SlipStatus.POSTED.value
        and s.type in CHARGING
        and Settlement(s.settlement) in CREDIT_SETTLEMENTS
    ]
    ids = [s.id for s in credit]
    back = set(
        session.exec(select(ReturnCopy.slip_id).where(col(ReturnCopy.slip_id).in_(ids))).all()
    )
    missing = [
        MissingCopy(s.number or "", driver_of(s), s.cust_name, s.total_amount)
        for s in credit
        if s.id not in back
    ]
    missing.sort(key=lambda m: (m.driver, m.customer, m.number))
    return missing, len(back)


_PRODUCT_NO_INDEX = col(StockMovement.product_id) + literal_column("0")
"""``product_id + 0``: the same value, but SQLite will not walk ix_stock_movement_product
for it (a literal, not a bound parameter, so PostgreSQL sees one GROUP BY expression)."""


_ORIGINAL = aliased(Slip)


def _products(session: Session, ledger_id: int, day: date) -> list[ProductDay]:
    """Sold per product (sales less returns, by rule 4 of docs/money.md), at what was
    paid (the lines' ``paid``: net of whole-slip discounts), and stock at the day's end."""
    rows = session.execute(
        sa_select(
            col(SlipLine.product_id),
            # One product's lines share these (a snapshot of the product as sold); max()
            # picks one where SQLite would take a bare column and PostgreSQL refuses.
            func.max(SlipLine.code),
            func.max(SlipLine.name),
            func.max(SlipLine.unit),
            col(Slip.type),
            col(Slip.status),
            col(_ORIGINAL.type),
            func.sum(SlipLine.qty),
            func.sum(SlipLine.paid),
        )
        .join(Slip, col(Slip.id) == SlipLine.slip_id)
        .outerjoin(_ORIGINAL, col(_ORIGINAL.id) == Slip.reverses_id)
        .where(
            col(Slip.ledger_id) == ledger_id,
            col(Slip.business_date) == day,
            col(Slip.status).in_(COUNTED_STATUSES),
            # No filter on type here: with one, SQLite walks every sale of the ledger
            # through (ledger_id, type, …) instead of the day's slips by date.
        )
        .group_by(col(SlipLine.product_id), col(Slip.type), col(Slip.status), col(_ORIGINAL.type))
    ).all()
    sold: dict[int, list[Any]] = {}
    for pid, code, name, unit, kind, status, reversed_kind, qty, amount in rows:
        sign = sales_sign(kind, status, reversed_kind)
        if not sign:
            continue
        entry = sold.setdefault(pid, [code, name, unit, ZERO, ZERO])
        entry[3] += (qty or ZERO) * sign
        entry[4] += (amount or ZERO) * sign
    if not sold:
        return []
    end = datetime.combine(day + timedelta(days=1), time.min).astimezone(UTC)
    now = dict(
        session.exec(
            select(Stock.product_id, func.sum(Stock.qty))
            .where(col(Stock.product_id).in_(list(sold)))
            .group_by(col(Stock.product_id))
        ).all()
    )
    later = dict(
        session.exec(
            # Only the movements after the day, through the created_at index.
            select(_PRODUCT_NO_INDEX, func.sum(StockMovement.qty))
            .where(StockMovement.created_at >= end)
            .group_by(_PRODUCT_NO_INDEX)
        ).all()
    )
    out = [
        ProductDay(code, name, unit, qty, amount, (now.get(pid) or ZERO) - (later.get(pid) or ZERO))
        for pid, (code, name, unit, qty, amount) in sold.items()
    ]
    return sorted(out, key=lambda p: p.code)
