"""The reference ledger's model: the shop of docs/money.md in plain Python and ``Decimal``.

Nothing here imports the app except its input parsers (``parse_price``, ``parse_quantity``,
``money``) and the reading of discount texts (``slip_discount``, ``pay_rate``). Every
other rule (policy prices, allocation of a whole-slip discount, refunds, the status × day
table, balances, statements, driver cash, stock, numbering) is written here again, from
the docs, so that ``tests/test_reference_ledger.py`` can hold the app's figures against
it. The catalogue comes from the CSV files in ``tests/ledger_data/``, the same files the
test imports into the store.

The model predicts every step: either the figures it produces, or that the app must
refuse it (:class:`Refused`, which changes nothing). Where the docs leave a case open,
:class:`Unclear` says so and the test does not ask the app about it.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_FLOOR, Decimal
from pathlib import Path

from kaidan_tui.domain.discount import pay_rate, slip_discount
from kaidan_tui.domain.money import money, parse_price, parse_quantity

D = Decimal
ZERO = D("0.00")
FEN = D("0.01")
DATA = Path(__file__).parent.parent / "ledger_data"

CREDIT = frozenset({"月结", "压单", "滚单", "代销"})
"""Settlements that leave money owed (docs/money.md, rule 4)."""
CASH = "现款"
PICKUP = "自提"
PREFIX = {"sale": "XS", "return": "TH", "gift": "ZS", "stock_in": "RK", "reversal": "HC"}
SALES_KINDS = ("sale", "return")


class Refused(Exception):
    """The app must refuse this step (a KaidanError with a Chinese message) and change
    nothing."""


class Unclear(Exception):
    """docs/money.md does not say what this step must do; the test skips it."""


# -- the catalogue --------------------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    code: str
    name: str
    unit: str
    list_price: Decimal
    floor: Decimal | None
    cost: Decimal | None


@dataclass(frozen=True)
class Customer:
    code: str
    name: str
    channel: str
    tier: str
    settlement: str
    ledger: str


@dataclass(frozen=True)
class Agreed:
    price: Decimal
    valid_from: date | None
    valid_to: date | None

    def valid(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text.strip() else None


@dataclass
class Catalogue:
    products: dict[str, Product]
    customers: dict[str, Customer]
    tier_prices: dict[tuple[str, str], Decimal]
    """(tier, product) → price."""
    agreed: dict[tuple[str, str], Agreed]
    """(customer, product) → agreed price."""
    opening: dict[tuple[str, str], Decimal]
    """(product, warehouse) → stock imported."""
    ledgers: dict[str, str]
    """ledger code → number format."""
    warehouses: tuple[str, ...] = ("ZC", "EK")

    @classmethod
    def load(cls) -> Catalogue:
        products = {
            r["code"]: Product(
                r["code"],
                r["name"],
                r["unit"],
                D(r["price"]),
                D(r["floor_price"]) if r["floor_price"] else None,
                D(r["cost"]) if r["cost"] else None,
            )
            for r in _rows("products.csv")
        }
        customers = {
            r["code"]: Customer(
                r["code"], r["name"], r["channel"], r["tier"], r["settlement"], r["ledger"]
            )
            for r in _rows("customers.csv")
        }
        tiers: dict[tuple[str, str], Decimal] = {}
        agreed: dict[tuple[str, str], Agreed] = {}
        for r in _rows("prices.csv"):
            if r["tier"]:
                tiers[(r["tier"], r["product"])] = D(r["price"])
            else:
                agreed[(r["customer"], r["product"])] = Agreed(
                    D(r["price"]), _day(r["valid_from"]), _day(r["valid_to"])
                )
        opening = {(r["product"], r["warehouse"]): D(r["qty"]) for r in _rows("stock.csv")}
        ledgers = {r["code"]: r["number_format"] for r in _rows("ledgers.csv")}
        return cls(products, customers, tiers, agreed, opening, ledgers)

    def policy_price(self, customer: str, product: str, day: date) -> Decimal:
        """Agreed price (valid that day), then tier price, then list price (D12)."""
        a = self.agreed.get((customer, product))
        if a is not None and a.valid(day):
            return money(a.price)
        c = self.customers[customer]
        tier = self.tier_prices.get((c.tier, product)) if c.tier else None
        if tier is not None:
            return money(tier)
        return money(self.products[product].list_price)

    def number(self, ledger: str, kind: str, year: int, seq: int) -> str:
        return self.ledgers[ledger].format(prefix=PREFIX[kind], year=year, seq=seq)


# -- slips ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    product: str
    qty: Decimal
    price: Decimal
    amount: Decimal
    paid: Decimal
    gift: bool = False


@dataclass
class Slip:
    """A numbered slip with its stored figures (a return stores positive figures, a 红冲
    its original's negated)."""

    kind: str
    ledger: str
    day: date
    customer: str | None
    channel: str
    settlement: str
    driver: str
    warehouse: str
    lines: list[Line]
    discount: Decimal = ZERO
    against: str | None = None
    reverses: str | None = None
    number: str = ""
    status: str = "posted"
    order: int = 0
    """Posting order (the app's slip id order)."""
    posted_on: date | None = None
    """The clock's day when it was posted (a back-dated slip is posted later)."""

    @property
    def qty(self) -> Decimal:
        return sum((ln.qty for ln in self.lines), D(0))

    @property
    def total(self) -> Decimal:
        """实收: what the lines paid (the lines' total less the whole-slip discount)."""
        return sum((ln.paid for ln in self.lines), ZERO)

    @property
    def subtotal(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), ZERO)

    @property
    def driver_label(self) -> str:
        return self.driver or PICKUP


def allocate(amounts: list[Decimal], gifts: list[bool], discount: Decimal) -> list[Decimal]:
    """docs/money.md, rule 1: shares pro rata, cut down to the fen; the fen left over one
    each to the largest remainders, the earlier line on a tie. Gift lines get nothing."""
    fen = int(discount / FEN)
    takers = [i for i, (a, g) in enumerate(zip(amounts, gifts, strict=True)) if not g and a > 0]
    base = sum((amounts[i] for i in takers), ZERO)
    shares = [ZERO] * len(amounts)
    if fen == 0:
        return shares
    assert base > 0, "a discount needs lines to share it"
    rests: list[tuple[Decimal, int]] = []
    for i in takers:
        exact = D(fen) * amounts[i] / base  # in fen
        whole = exact.to_integral_value(rounding=ROUND_FLOOR)
        shares[i] = whole * FEN
        rests.append((exact - whole, i))
    left = fen - int(sum(shares, ZERO) / FEN)
    for _rest, i in sorted(rests, key=lambda r: (-r[0], r[1]))[:left]:
        shares[i] += FEN
    return shares


DIGITS = "零壹贰叁肆伍陆柒捌玖"


def _four(n: int) -> str:
    """0 < n < 10000 in capitals, without a leading 零; inner zeros are one 零."""
    out, zero = "", False
    for place, unit in ((1000, "仟"), (100, "佰"), (10, "拾"), (1, "")):
        d = n // place % 10
        if d == 0:
            zero = zero or bool(out)
            continue
        if zero:
            out, zero = out + "零", False
        out += DIGITS[d] + unit
    return out


def capitals(amount: Decimal) -> str:
    """大写金额, written again from the banking rules (《支付结算办法》): groups of four
    digits with 万 and 亿, one 零 for a run of zeros, 零 before a group below 1000 that
    follows a higher group, 元 then 角 and 分, 整 when there are neither."""
    value = money(amount)
    if value < 0:
        return "负" + capitals(-value)
    fen_total = int(value * 100)
    if fen_total == 0:
        return "零元整"
    yuan, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)
    groups: list[int] = []
    n = yuan
    while n:
        groups.append(n % 10000)
        n //= 10000
    text, gap = "", False
    for i in reversed(range(len(groups))):
        g = groups[i]
        if g == 0:
            gap = gap or bool(text)
            continue
        if text and (gap or g < 1000):
            text += "零"
        text += _four(g) + ("", "万", "亿", "万亿")[i]
        gap = False
    if yuan:
        text += "元"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif fen and yuan:
        text += "零"
    if fen:
        text += DIGITS[fen] + "分"
    if not rest:
        text += "整"
    return text


# -- the shop -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    count: int = 0
    qty: Decimal = Decimal(0)
    amount: Decimal = ZERO

    def plus(self, qty: Decimal, amount: Decimal) -> Figures:
        return Figures(self.count + 1, self.qty + qty, self.amount + amount)


@dataclass
class DayReport:
    """The figures of one ledger's day that the model predicts (the daily report's JSON)."""

    by_type: dict[str, dict[str, Figures]]
    by_settlement: dict[str, Figures]
    by_channel: dict[str, Figures]
    drivers: dict[str, tuple[Decimal, Decimal | None, str]]
    """driver → (expected, received, note)."""
    voids: list[tuple[str, Decimal]]
    products: dict[str, tuple[Decimal, Decimal, Decimal]]
    """code → (qty, amount, stock at the end of the day)."""
    missing_copies: list[str]
    copies_back: int

    def settled(self) -> bool:
        return all(
            got is not None and (got == exp or bool(note.strip()))
            for exp, got, note in self.drivers.values()
        )


@dataclass(frozen=True)
class Entry:
    """One line of a statement: (date, order) sort it; charge and paid as docs say."""

    day: date
    order: int
    number: str
    charge: Decimal
    paid: Decimal


@dataclass
class Shop:
    cat: Catalogue
    today: date
    slips: dict[str, Slip] = field(default_factory=dict)
    counters: dict[tuple[str, str, int], int] = field(default_factory=lambda: defaultdict(int))
    stock: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    moves: list[tuple[date, str, Decimal]] = field(default_factory=list)
    """(clock day, product, qty) of every stock movement: the stock at a day's end."""
    closed: set[tuple[str, date]] = field(default_factory=set)
    cash: dict[tuple[str, date, str], tuple[Decimal, str]] = field(default_factory=dict)
    copies: set[str] = field(default_factory=set)
    close_totals: dict[tuple[str, date], DayReport] = field(default_factory=dict)
    touched: set[tuple[str, date]] = field(default_factory=set)
    """(ledger, day) pairs whose figures the last step may have changed."""
    touched_customers: set[str] = field(default_factory=set)
    """Customers whose account the last step may have changed."""

    @classmethod
    def open(cls, cat: Catalogue, today: date, opened_on: date) -> Shop:
        shop = cls(cat, today)
        shop.stock = dict(cat.opening)
        for (product, _wh), qty in cat.opening.items():
            shop.moves.append((opened_on, product, qty))
        return shop

    # -- questions ----------------------------------------------------------------------

    def is_closed(self, ledger: str, day: date) -> bool:
        return (ledger, day) in self.closed

    def ledger_of(self, customer: str | None) -> str:
        return self.cat.customers[customer].ledger if customer else "KD"

    def returns_against(self, number: str) -> list[Slip]:
        return [s for s in self.slips.values() if s.against == number and s.status == "posted"]

    def returnable(self, number: str) -> dict[str, tuple[Decimal, Decimal, Decimal, Decimal]]:
        """Per product of a sale: (sold, paid, returned, refunded) by rule 2."""
        sale = self.slips[number]
        out: dict[str, list[Decimal]] = {}
        for ln in sale.lines:
            if ln.gift:
                continue
            row = out.setdefault(ln.product, [D(0), ZERO, D(0), ZERO])
            row[0] += ln.qty
            row[1] += ln.paid
        for ret in self.returns_against(number):
            for ln in ret.lines:
                if ln.product in out:
                    out[ln.product][2] += ln.qty
                    out[ln.product][3] += ln.amount
        return {p: (r[0], r[1], r[2], r[3]) for p, r in out.items()}

    def next_number(self, ledger: str, kind: str, year: int) -> tuple[tuple[str, str, int], str]:
        key = (ledger, kind, year)
        return key, self.cat.number(ledger, kind, year, self.counters[key] + 1)

    # -- building slips (nothing changes until :meth:`commit`) -------------------------------

    def _day(self, day: date | None) -> date:
        return day or self.today

    def _open_day(self, ledger: str, day: date) -> None:
        if day > self.today:
            raise Refused("a day after today")
        if self.is_closed(ledger, day):
            raise Refused(f"{ledger} {day} is closed")

    def sale(
        self,
        customer: str,
        lines: list[tuple[str, str, str | None]],
        *,
        discount: str = "",
        settlement: str | None = None,
        driver: str = "",
        day: date | None = None,
        warehouse: str = "ZC",
    ) -> tuple[Slip, list[str | None]]:
        """A sale as typed: each line (product, qty, price) where price is None (policy),
        ``"gift"``, ``"95折"`` (on the policy price, as the order screen types it) or a
        manual price. Returns the slip and the price text each line is posted with."""
        c = self.cat.customers[customer]
        when = self._day(day)
        ledger = c.ledger
        self._open_day(ledger, when)
        made: list[Line] = []
        typed: list[str | None] = []
        for product, qty_text, price_text in lines:
            qty = parse_quantity(qty_text)
            policy = self.cat.policy_price(customer, product, when)
            if price_text == "gift":
                price, gift, sent = ZERO, True, None
            elif price_text is None:
                price, gift, sent = policy, False, None
            elif (rate := pay_rate(price_text)) is not None:
                price, gift = money(policy * rate), False
                sent = f"{price:f}"
            else:
                price, gift, sent = parse_price(price_text), False, price_text
            amount = money(qty * price)
            made.append(Line(product, qty, price, amount, amount, gift))
            typed.append(sent)
        subtotal = sum((ln.amount for ln in made), ZERO)
        off = ZERO
        if discount.strip():
            try:
                off = slip_discount(discount, subtotal)
            except Exception as exc:  # the parser's own refusal: the app must refuse too
                raise Refused(f"discount {discount!r}: {exc}") from None
        shares = allocate([ln.amount for ln in made], [ln.gift for ln in made], off)
        made = [replace(ln, paid=ln.amount - s) for ln, s in zip(made, shares, strict=True)]
        slip = Slip(
            "sale",
            ledger,
            when,
            customer,
            c.channel,
            settlement or c.settlement,
            driver,
            warehouse,
            made,
            discount=off,
        )
        return slip, typed

    def return_against(
        self,
        number: str,
        items: list[tuple[str, Decimal, Decimal | None]],
        *,
        settlement: str | None = None,
        driver: str | None = None,
    ) -> Slip:
        """A return against sale ``number``: (product, qty, typed price or None), rule 2."""
        sale = self.slips.get(number)
        if sale is None or sale.kind != "sale":
            raise Refused("not a sale")
        if sale.status != "posted":
            raise Refused(f"the sale is {sale.status}")
        assert sale.customer is not None
        c = self.cat.customers[sale.customer]
        self._open_day(c.ledger, self.today)
        left = self.returnable(number)
        made: list[Line] = []
        for product, qty, price in items:
            if product not in left:
                raise Refused("product not on the sale")
            sold, paid, returned, refunded = left[product]
            if qty <= 0 or returned + qty > sold:
                raise Refused(f"returning {qty} of {sold - returned} left")
            unit = money(paid / sold)
            if price is not None:
                if price == unit:
                    raise Unclear("a typed price equal to the paid price (rule 2 is silent)")
                made.append(Line(product, qty, price, money(qty * price), money(qty * price)))
                continue
            # the last unit settles the line
            refund = paid - refunded if returned + qty == sold else money(paid * qty / sold)
            if refund <= 0 or unit <= 0:
                raise Unclear("nothing left to refund (rule 2 is silent)")
            made.append(Line(product, qty, unit, refund, refund))
        return Slip(
            "return",
            c.ledger,
            self.today,
            sale.customer,
            c.channel,
            settlement or sale.settlement,
            sale.driver if driver is None else driver,
            "ZC",
            made,
            against=number,
        )

    def last_prices(self, customer: str, product: str) -> set[Decimal | None]:
        """ "The customer's last price" under each reading the docs allow: the newest sale
        by posting order, with or without back-dated and reversed ones, the first or the
        last line of the product, the line price or what was paid per unit. One value:
        the docs are clear here."""
        out: set[Decimal | None] = set()
        for statuses in (("posted",), ("posted", "reversed")):
            for backdated in (False, True):
                for pick in ("first", "last", "paid"):
                    found: Decimal | None = None
                    for s in sorted(self.slips.values(), key=lambda s: s.order):
                        if s.kind != "sale" or s.customer != customer:
                            continue
                        if s.status not in statuses:
                            continue
                        assert s.posted_on is not None
                        if not backdated and s.day < s.posted_on - timedelta(days=1):
                            continue
                        mine = [ln for ln in s.lines if ln.product == product and not ln.gift]
                        if not mine:
                            continue
                        ln = mine[0] if pick == "first" else mine[-1]
                        found = money(ln.paid / ln.qty) if pick == "paid" else ln.price
                    out.add(found)
        return out

    def free_return(
        self,
        customer: str,
        items: list[tuple[str, Decimal, Decimal | None]],
        *,
        settlement: str | None = None,
        driver: str = "",
    ) -> Slip:
        """A return without ``against``: qty × (typed, else last, else policy price)."""
        c = self.cat.customers[customer]
        self._open_day(c.ledger, self.today)
        made: list[Line] = []
        for product, qty, typed in items:
            if typed is not None:
                price = typed
            else:
                last = self.last_prices(customer, product)
                if len(last) != 1:
                    raise Unclear(f"the last price of {product} is one of {last}")
                (price_or_none,) = last
                price = (
                    price_or_none
                    if price_or_none is not None
                    else self.cat.policy_price(customer, product, self.today)
                )
            amount = money(qty * price)
            made.append(Line(product, qty, price, amount, amount))
        return Slip(
            "return",
            c.ledger,
            self.today,
            customer,
            c.channel,
            settlement or c.settlement,
            driver,
            "ZC",
            made,
        )

    def goods_slip(
        self,
        kind: str,
        lines: list[tuple[str, str, str | None]],
        *,
        customer: str | None = None,
        warehouse: str = "ZC",
    ) -> Slip:
        """A gift (赠送, at 0) or stock-in (入库, at cost or the typed price) slip."""
        ledger = self.ledger_of(customer)
        self._open_day(ledger, self.today)
        made = []
        for product, qty_text, price_text in lines:
            qty = parse_quantity(qty_text)
            if kind == "gift":
                price = ZERO
            elif price_text is not None:
                price = parse_price(price_text)
            else:
                cost = self.cat.products[product].cost
                price = money(cost if cost is not None else self.cat.products[product].list_price)
            amount = money(qty * price)
            made.append(Line(product, qty, price, amount, amount, kind == "gift"))
        c = self.cat.customers[customer] if customer else None
        return Slip(
            kind,
            ledger,
            self.today,
            customer,
            c.channel if c else "",
            c.settlement if c else CASH,
            "",
            warehouse,
            made,
        )

    def red_copy(self, number: str) -> Slip:
        """红冲 of ``number``, dated today, every figure negated as the original counts."""
        original = self.slips[number]
        if original.status != "posted":
            raise Refused(f"the slip is {original.status}")
        if original.kind == "reversal":
            raise Refused("a 红冲 is not reversed")
        if original.kind == "sale" and self.returns_against(number):
            raise Refused("returns against it (rule 3)")
        self._open_day(original.ledger, self.today)
        sign = D(1) if original.kind == "return" else D(-1)
        return Slip(
            "reversal",
            original.ledger,
            self.today,
            original.customer,
            original.channel,
            original.settlement,
            original.driver,
            original.warehouse,
            [
                Line(ln.product, ln.qty * sign, ln.price, ln.amount * sign, ln.paid * sign, ln.gift)
                for ln in original.lines
            ],
            discount=original.discount * sign,
            reverses=number,
        )

    def check_void(self, number: str) -> Slip:
        s = self.slips[number]
        if s.status != "posted":
            raise Refused(f"the slip is {s.status}")
        if s.kind == "reversal":
            raise Refused("a 红冲 is not voided (rule 3)")
        if self.is_closed(s.ledger, s.day):
            raise Refused("its day is closed")
        if s.kind == "sale" and self.returns_against(number):
            raise Refused("returns against it (rule 3)")
        return s

    # -- changes --------------------------------------------------------------------------

    def _move(self, slip: Slip, sign: int) -> None:
        """Stock: out for a sale or gift, in for a return or stock-in (``sign`` undoes)."""
        direction = {"sale": -1, "gift": -1, "return": 1, "stock_in": 1}
        if slip.kind == "reversal":
            original = self.slips[slip.reverses or ""]
            self._move(original, -sign)
            return
        for ln in slip.lines:
            delta = ln.qty * direction[slip.kind] * sign
            key = (ln.product, slip.warehouse)
            self.stock[key] = self.stock.get(key, D(0)) + delta
            self.moves.append((self.today, ln.product, delta))
        # the stock at the end of today, in the reports that list these products
        moved = {ln.product for ln in slip.lines}
        self.touched |= {
            (s.ledger, self.today)
            for s in self.slips.values()
            if s.day == self.today and moved & {ln.product for ln in s.lines}
        }

    def commit(self, slip: Slip) -> Slip:
        """Number and post ``slip``; returns it with its number."""
        key, number = self.next_number(slip.ledger, slip.kind, slip.day.year)
        self.counters[key] += 1
        slip.number = number
        slip.order = len(self.slips) + 1
        slip.posted_on = self.today
        self.slips[number] = slip
        self.touched.add((slip.ledger, slip.day))
        if slip.customer:
            self.touched_customers.add(slip.customer)
        if slip.reverses is not None:
            original = self.slips[slip.reverses]
            original.status = "reversed"
            self.touched.add((original.ledger, original.day))
        self._move(slip, 1)
        return slip

    def void(self, number: str) -> None:
        s = self.check_void(number)
        s.status = "void"
        self._move(s, -1)
        self.touched.add((s.ledger, s.day))
        if s.customer:
            self.touched_customers.add(s.customer)

    def count_cash(self, ledger: str, day: date, driver: str, amount: Decimal, note: str) -> None:
        if self.is_closed(ledger, day):
            raise Refused("the day is closed")
        self.cash[(ledger, day, driver or PICKUP)] = (money(amount), note.strip())
        self.touched.add((ledger, day))

    def close(self, ledger: str, day: date) -> None:
        if self.is_closed(ledger, day):
            raise Refused("closed already")
        rep = self.report(ledger, day)
        if not rep.settled():
            raise Refused("cash not counted or not explained")
        self.closed.add((ledger, day))
        self.close_totals[(ledger, day)] = rep
        self.touched.add((ledger, day))

    def tick_copy(self, number: str) -> None:
        s = self.slips[number]
        if s.settlement not in CREDIT:
            raise Refused("no return copy for a cash slip")
        self.copies.add(number)
        self.touched.add((s.ledger, s.day))

    # -- the figures ----------------------------------------------------------------------

    def sign(self, s: Slip) -> int:
        """docs/money.md, rule 4: how a slip's stored figures enter its own day's totals."""
        if s.status == "void":
            return 0
        if s.kind == "sale":
            return 1
        if s.kind == "return":
            return -1
        if s.kind == "reversal":
            return 1 if self.slips[s.reverses or ""].kind in SALES_KINDS else 0
        return 0

    def stock_at_end(self, product: str, day: date) -> Decimal:
        return sum((q for d, p, q in self.moves if p == product and d <= day), D(0))

    def report(self, ledger: str, day: date) -> DayReport:
        slips = [s for s in self.slips.values() if s.ledger == ledger and s.day == day]
        by_type: dict[str, dict[str, Figures]] = {}
        by_settlement: dict[str, Figures] = {}
        by_channel: dict[str, Figures] = {}
        expected: dict[str, Decimal] = {}
        products: dict[str, tuple[Decimal, Decimal]] = {}
        for s in slips:
            kinds = by_type.setdefault(s.kind, {})
            kinds[s.status] = kinds.get(s.status, Figures()).plus(s.qty, s.total)
            sign = self.sign(s)
            if not sign:
                continue
            qty, amount = s.qty * sign, s.total * sign
            by_settlement[s.settlement] = by_settlement.get(s.settlement, Figures()).plus(
                qty, amount
            )
            by_channel[s.channel] = by_channel.get(s.channel, Figures()).plus(qty, amount)
            if s.settlement == CASH:
                expected[s.driver_label] = expected.get(s.driver_label, ZERO) + amount
            for ln in s.lines:
                q, a = products.get(ln.product, (D(0), ZERO))
                products[ln.product] = (q + ln.qty * sign, a + ln.paid * sign)
        drivers: dict[str, tuple[Decimal, Decimal | None, str]] = {}
        counted = {d: v for (lg, dy, d), v in self.cash.items() if lg == ledger and dy == day}
        for d in sorted(set(expected) | set(counted)):
            got, note = counted.get(d, (None, ""))
            drivers[d] = (expected.get(d, ZERO), got, note)
        credit_sales = [
            s for s in slips if s.kind == "sale" and s.status == "posted" and s.settlement in CREDIT
        ]
        return DayReport(
            by_type=by_type,
            by_settlement=by_settlement,
            by_channel=by_channel,
            drivers=drivers,
            voids=sorted((s.number, s.total) for s in slips if s.status == "void"),
            products={
                p: (q, a, self.stock_at_end(p, day)) for p, (q, a) in products.items() if q or a
            },
            missing_copies=sorted(s.number for s in credit_sales if s.number not in self.copies),
            copies_back=sum(1 for s in credit_sales if s.number in self.copies),
        )

    def money_effect(self, s: Slip) -> Decimal:
        """What a counted slip means for its customer's money: rule 4's signs."""
        if s.status == "void":
            return ZERO
        return s.total * self.sign(s)

    def statement(self, customer: str) -> list[Entry]:
        """Every counted slip of the customer that carries money: a credit slip charges the
        account; a 现款 slip is charged and paid on the spot."""
        out = []
        for s in self.slips.values():
            if s.customer != customer:
                continue
            charge = self.money_effect(s)
            if not charge:
                continue
            paid = ZERO if s.settlement in CREDIT else charge
            out.append(Entry(s.day, s.order, s.number, charge, paid))
        return sorted(out, key=lambda e: (e.day, e.order))

    def balance(self, customer: str) -> Decimal:
        return sum((e.charge - e.paid for e in self.statement(customer)), ZERO)

    def printed(self, s: Slip) -> tuple[Decimal, Decimal, Decimal]:
        """(合计, 优惠, 实收) as printed: a return prints negative, a 红冲 its stored
        (negated) figures."""
        sign = D(-1) if s.kind == "return" else D(1)
        return s.subtotal * sign, s.discount * sign, s.total * sign


def half(qty: Decimal) -> Decimal:
    """Half a quantity, to the 0.001, never 0."""
    h = (qty / 2).quantize(D("0.001"), rounding=ROUND_DOWN)
    return h if h > 0 else qty
