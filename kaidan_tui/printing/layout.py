"""One printer-independent layout of a slip (D1, D2, D3, D4), for any width.

:func:`layout` turns a :class:`SlipDoc` into pages of :class:`Row` values whose text is
already padded and aligned; the ESC/P and ESC/POS encoders only add bold and size.
Every row fits the form's width in printed columns (see :mod:`kaidan_tui.printing.text`).

- ``columns >= 64``: a table (序号 编码 品名 规格 单位 数量 单价 金额 备注); names and specs
  wrap inside their column, numeric columns are sized to the widest value of the slip.
- narrower (80 mm = 48, 58 mm = 32 columns): two rows per item, name then figures.
- a form with ``rows_per_page`` (dot-matrix stationery) is paginated: every page carries
  the header, the table head and the signature lines; pages before the last end with
  (续下页) and a page subtotal, the last page carries the totals and 大写金额.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from decimal import Decimal

from kaidan_tui.domain.capitals import amount_in_capitals
from kaidan_tui.domain.money import format_qty, money
from kaidan_tui.printing.paginate import Piece, paginate
from kaidan_tui.printing.text import cut, pad, sanitise, spread, width, wrap

WIDE = 64
"""Forms at least this wide get the table layout."""

MIN_COLUMNS = 24


@dataclass(frozen=True)
class DocLine:
    no: int
    code: str
    name: str
    spec: str
    unit: str
    qty: Decimal
    price: Decimal
    amount: Decimal
    remarks: str = ""
    codes: tuple[str, ...] = ()
    is_gift: bool = False


@dataclass(frozen=True)
class SlipDoc:
    """Everything printed on a slip, as it was posted (values already signed for display)."""

    header: str
    title: str
    number: str
    business_date: date
    lines: tuple[DocLine, ...]
    total_qty: Decimal
    total_amount: Decimal
    maker: str
    cust_code: str = ""
    cust_name: str = ""
    contact: str = ""
    phone: str = ""
    address: str = ""
    channel: str = ""
    freight_station: str = ""
    freight_phone: str = ""
    store_code: str = ""
    po_number: str = ""
    recipient: str = ""
    settlement: str = ""
    delivery: str = ""
    remarks: str = ""
    handler: str = ""
    approver: str = ""
    ledger_phone: str = ""
    void: bool = False
    void_reason: str = ""
    reprint_no: int = 0
    printed_at: datetime | None = None
    reference: str = ""
    """Another slip this one refers to (红冲 of …, 冲红: …), printed under the number."""
    discount_amount: Decimal = Decimal(0)
    """Whole-slip discount; ``total_amount`` is already net of it."""


@dataclass(frozen=True)
class Row:
    text: str
    bold: bool = False
    double: bool = False
    """Double width (and height on receipt printers): the text uses half the columns."""


@dataclass(frozen=True)
class Page:
    rows: tuple[Row, ...]
    no: int
    of: int


@dataclass(frozen=True)
class Form:
    columns: int
    rows_per_page: int | None = None
    """Printable rows on one form; ``None`` for a roll (one long page)."""
    can_enlarge: bool = False
    """The printer enlarges hanzi (ESC/POS ``GS !``); otherwise titles print bold."""

    def __post_init__(self) -> None:
        if self.columns < MIN_COLUMNS:
            raise ValueError(f"每行至少 {MIN_COLUMNS} 列")


@dataclass
class _Table:
    """Column widths of the wide layout for one slip."""

    no: int
    code: int
    name: int
    spec: int
    unit: int
    qty: int
    price: int
    amount: int
    remark: int
    heads: tuple[str, ...] = field(
        default=("序号", "编码", "品名", "规格", "单位", "数量", "单价", "金额", "备注/瓶码")
    )

    def widths(self) -> tuple[int, ...]:
        return (
            self.no,
            self.code,
            self.name,
            self.spec,
            self.unit,
            self.qty,
            self.price,
            self.amount,
            self.remark,
        )


def fmt_money(value: Decimal) -> str:
    """Plain digits on slips (D1: no ambiguity): ``1234.50``, ``-20.00``."""
    return f"{money(value):.2f}"


def _clean(doc: SlipDoc) -> SlipDoc:
    """Sanitise every text field once, so no data byte can become a printer command."""
    changes: dict[str, object] = {}
    for f in fields(doc):
        value = getattr(doc, f.name)
        if isinstance(value, str):
            changes[f.name] = sanitise(value)
    lines = tuple(_clean_line(ln) for ln in doc.lines)
    return replace(doc, lines=lines, **changes)  # type: ignore[arg-type]


def _clean_line(ln: DocLine) -> DocLine:
    texts = (ln.code, ln.name, ln.spec, ln.unit, ln.remarks, *ln.codes)
    clean = [sanitise(t) for t in texts]
    if clean == list(texts):
        return ln  # the usual case: nothing to change, no copy
    code, name, spec, unit, remarks, *codes = clean
    return replace(ln, code=code, name=name, spec=spec, unit=unit, remarks=remarks,
                   codes=tuple(codes))  # fmt: skip


def _title_rows(doc: SlipDoc, form: Form) -> list[Row]:
    cols = form.columns
    rows: list[Row] = []
    if doc.header:
        rows += _big(doc.header, form)
    title = " ".join(doc.title) if width(doc.title) * 2 <= cols // 2 else doc.title
    rows += _big(title, form)
    if doc.void:
        rows += _big("★ 作废 ★", form)
    return rows


def _big(text: str, form: Form) -> list[Row]:
    """A centred title: enlarged where the printer can and it fits, else bold (wrapped)."""
    if form.can_enlarge and width(text) <= form.columns // 2:
        return [Row(pad(text, form.columns // 2, "center").rstrip(), bold=True, double=True)]
    return [
        Row(pad(r, form.columns, "center").rstrip(), bold=True) for r in wrap(text, form.columns)
    ]


def _pairs(items: Sequence[tuple[str, str]], cols: int) -> list[str]:
    """Label：value fields, two per row on wide forms, each on its own row when narrow."""
    present = [f"{k}：{v}" for k, v in items if v]
    rows: list[str] = []
    if cols >= WIDE:
        half = cols // 2
        i = 0
        while i < len(present):
            a = present[i]
            b = present[i + 1] if i + 1 < len(present) else ""
            if b and width(a) < half and width(b) <= cols - half:
                rows.append(pad(a, half) + b)
                i += 2
            else:
                rows.extend(wrap(a, cols))
                i += 1
        return rows
    for item in present:
        rows.extend(wrap(item, cols))
    return rows


def _number_rows(doc: SlipDoc, form: Form, page: int, pages: int) -> list[Row]:
    """单号, 日期 and, on a slip of several forms, 续页 and page x/y."""
    cols = form.columns
    rows = []
    number = f"单号：{doc.number}"
    when = f"日期：{doc.business_date.isoformat()}"
    paging = f"第{page}/{pages}页" if pages > 1 else ""
    if page > 1:
        paging = f"续页 {paging}"
    if cols >= WIDE:
        rows.append(Row(spread(f"{number}    {when}", paging, cols), bold=True))
    else:
        rows.append(Row(cut(number, cols), bold=True))
        rows.append(Row(spread(when, paging, cols)))
    return rows


def _detail_rows(doc: SlipDoc, form: Form) -> list[Row]:
    """Marks (作废, 补打, references) and the customer, settlement and delivery fields."""
    cols = form.columns
    rows: list[Row] = []
    marks = []
    if doc.void:
        marks.append(f"作废：{doc.void_reason}" if doc.void_reason else "作废")
    if doc.reprint_no:
        stamp = f" {doc.printed_at:%Y-%m-%d %H:%M}" if doc.printed_at else ""
        marks.append(f"补打 {doc.reprint_no}{stamp}")
    if doc.reference:
        marks.append(doc.reference)
    for mark in marks:
        rows.extend(Row(r, bold=True) for r in wrap(mark, cols))
    cust = doc.cust_name + (f"（{doc.cust_code}）" if doc.cust_code else "")
    fields: list[tuple[str, str]] = [
        ("单位", cust),
        ("收货人" if doc.channel == "地州" else "联系人", doc.contact),
        ("电话", doc.phone),
        ("送货地址", doc.address),
        ("领用单位", doc.recipient),
    ]
    if doc.channel == "地州" or doc.freight_station:
        fields += [("托运部", doc.freight_station), ("托运部电话", doc.freight_phone)]
    if doc.channel == "商超" or doc.store_code or doc.po_number:
        fields += [("门店编码", doc.store_code), ("PO号", doc.po_number)]
    fields += [("结算方式", doc.settlement), ("送货方式", doc.delivery)]
    rows.extend(Row(r) for r in _pairs(fields, cols))
    return rows


def _figures(ln: DocLine) -> tuple[str, str, str]:
    """A line's quantity, price and amount as printed (formatted once per layout)."""
    return format_qty(ln.qty), fmt_money(ln.price), fmt_money(ln.amount)


def _plan(figures: list[tuple[str, str, str]], cols: int) -> _Table:
    """Column widths: numbers as wide as the widest value, names take what is left."""
    qty = max([4] + [len(f[0]) for f in figures])
    price = max([4] + [len(f[1]) for f in figures])
    amount = max([4] + [len(f[2]) for f in figures])
    fixed = {"no": 4, "code": 8, "spec": 10, "unit": 4, "remark": 10}
    if cols < 80:
        fixed = {"no": 4, "code": 7, "spec": 8, "unit": 4, "remark": 6}
    elif cols >= 96:
        fixed = {"no": 4, "code": 10, "spec": 12, "unit": 4, "remark": 14}
    gaps = 8
    name = cols - gaps - qty - price - amount - sum(fixed.values())
    if name < 10:  # give the name room back from the text columns
        short = 10 - name
        take = min(short, fixed["remark"] - 4)
        fixed["remark"] -= take
        short -= take
        take = min(short, fixed["spec"] - 4)
        fixed["spec"] -= take
        name = 10 - (short - take)
    return _Table(
        fixed["no"], fixed["code"], name, fixed["spec"], fixed["unit"], qty, price, amount,
        fixed["remark"],
    )  # fmt: skip


def _table_rows(table: _Table, cells: Sequence[str], aligns: str) -> list[str]:
    """One item (or the head) as rows: text cells wrap, numeric cells stay on row one."""
    widths = table.widths()
    columns: list[list[tuple[str, int]]] = []
    height = 1
    for i, cell in enumerate(cells):
        used = width(cell)
        if used <= widths[i]:
            columns.append([(cell, used)])
        else:
            rows = wrap(cell, widths[i])
            columns.append([(r, width(r)) for r in rows])
            height = max(height, len(rows))
    out: list[str] = []
    blank = ("", 0)
    for r in range(height):
        parts = []
        for i, col in enumerate(columns):
            text, used = col[r] if r < len(col) else blank
            room = " " * (widths[i] - used)
            parts.append(room + text if aligns[i] == "r" else text + room)
        out.append(" ".join(parts).rstrip())
    return out


def _item_wide(ln: DocLine, figures: tuple[str, str, str], table: _Table, cols: int) -> list[str]:
    name = ln.name + ("（赠）" if ln.is_gift else "")
    cells = (str(ln.no), ln.code, name, ln.spec, ln.unit, *figures, ln.remarks)
    rows = _table_rows(table, cells, "llllrrrrl")
    rows += _codes(ln, cols)
    return rows


def _codes(ln: DocLine, cols: int) -> list[str]:
    """D3: every trace code of the line, on rows of their own under the item."""
    if not ln.codes:
        return []
    return ["    " + r for r in wrap("瓶码：" + " ".join(ln.codes), cols - 4)]


def _item_narrow(ln: DocLine, cols: int) -> list[str]:
    name = ln.name + ("（赠）" if ln.is_gift else "")
    rows = wrap(f"{ln.no}. {ln.code} {name}", cols)
    figures = f"{format_qty(ln.qty)}{ln.unit} × {fmt_money(ln.price)} = {fmt_money(ln.amount)}"
    spec = f"  {ln.spec}" if ln.spec else ""
    if width(spec) + 1 + width(figures) <= cols:
        rows.append(spread(spec, figures, cols))
    else:
        if spec:
            rows.extend("  " + r for r in wrap(spec, cols - 2))
        rows.extend(wrap(figures, cols) if width(figures) > cols else [pad(figures, cols, "right")])
    if ln.remarks:
        rows += ["  " + r for r in wrap("备注：" + ln.remarks, cols - 2)]
    rows += _codes(ln, cols)
    return rows


def _rule(cols: int, ch: str = "-") -> Row:
    return Row(ch * cols)


def _totals_rows(doc: SlipDoc, cols: int) -> list[Row]:
    qty = f"合计数量：{format_qty(doc.total_qty)}"
    if doc.discount_amount:
        subtotal = doc.total_amount + doc.discount_amount
        rows = [Row(spread(qty, f"合计金额：￥{fmt_money(subtotal)}", cols), bold=True)]
        off = f"整单优惠：{fmt_money(-doc.discount_amount)}"  # a 红冲 gives its discount back
        rows.append(Row(spread(off, f"实收金额：￥{fmt_money(doc.total_amount)}", cols), bold=True))
    else:
        amount = f"合计金额：￥{fmt_money(doc.total_amount)}"
        rows = [Row(spread(qty, amount, cols), bold=True)]
    rows += [
        Row(r, bold=True) for r in wrap(f"大写金额：{amount_in_capitals(doc.total_amount)}", cols)
    ]
    if doc.remarks:
        rows += [Row(r) for r in wrap(f"备注：{doc.remarks}", cols)]
    return rows


def _signature_rows(doc: SlipDoc, cols: int) -> list[Row]:
    maker = f"制单人：{doc.maker}"
    blank = "________"
    handler = f"经手人：{doc.handler or blank}"
    items = [maker, f"仓管：{blank}", handler, f"客户签收：{blank}"]
    if doc.approver:
        items.insert(1, f"主管：{doc.approver}")
    rows: list[Row] = []
    line = ""
    for item in items:
        candidate = f"{line}  {item}" if line else item
        if width(candidate) <= cols:
            line = candidate
        else:
            rows.append(Row(line))
            line = cut(item, cols)
    rows.append(Row(line))
    return rows


def layout(
    doc: SlipDoc,
    form: Form,
    *,
    part: str = "",
) -> list[Page]:
    """The slip as pages of rows, each row at most ``form.columns`` printed columns.

    ``part`` is the part name printed at the foot (第一联 存根联, or on dot-matrix
    stationery all carbon parts in one line).
    """
    doc = _clean(doc)
    cols = form.columns
    if cols >= WIDE:
        figures = [_figures(ln) for ln in doc.lines]
        table = _plan(figures, cols)
        head = [Row(r, bold=True) for r in _table_rows(table, table.heads, "llllrrrrl")]
        blocks = [_item_wide(ln, f, table, cols) for ln, f in zip(doc.lines, figures, strict=True)]
    else:
        head = []
        blocks = [_item_narrow(ln, cols) for ln in doc.lines]
    foot_rows = _signature_rows(doc, cols)
    if part:
        foot_rows += [Row(r, bold=True) for r in wrap(sanitise(part), cols)]
    totals = _totals_rows(doc, cols)
    title = _title_rows(doc, form)
    details = _detail_rows(doc, form)

    def page_rows(page: int, pages: int, items: list[Piece], last: bool) -> tuple[Row, ...]:
        rows = title + _number_rows(doc, form, page, pages) + details
        rows.append(_rule(cols, "="))
        rows.extend(head)
        for piece in items:
            rows.extend(Row(r) for r in piece.rows)
        rows.append(_rule(cols))
        if last:
            rows.extend(totals)
        else:
            subtotal = sum((doc.lines[p.line].amount for p in items if p.first), Decimal(0))
            rows.append(Row(spread("（续下页）", f"本页小计：￥{fmt_money(subtotal)}", cols)))
        rows.extend(foot_rows)
        return tuple(Row(r.text.rstrip(), r.bold, r.double) for r in rows)

    pieces = [Piece(i, rows, True) for i, rows in enumerate(blocks)]
    if form.rows_per_page is None:
        return [Page(page_rows(1, 1, pieces, True), 1, 1)]
    fixed = len(title) + len(_number_rows(doc, form, 2, 2)) + len(details)
    fixed += 1 + len(head) + 1 + len(foot_rows)
    room = form.rows_per_page - fixed - 1
    room_last = form.rows_per_page - fixed - len(totals)
    if room_last < 1 and doc.remarks:  # a long remark is shortened to fit the form
        keep = len(totals) + room_last - 1
        firm = len(_totals_rows(replace(doc, remarks=""), cols))
        if keep > firm:
            totals = totals[:keep]
            last = cut(totals[-1].text, cols - 2)
            totals[-1] = Row(last + "…")
            room_last = 1
    if min(room, room_last) < 1:
        raise ValueError(
            f"纸张太短：每页只有 {form.rows_per_page} 行，放不下表头、合计和签字栏；"
            "请在 printers.toml 里加大纸长（form_length_mm）或减小行距（line_spacing）"
        )
    chunks = paginate(pieces, room, room_last)
    n = len(chunks)
    return [Page(page_rows(i + 1, n, c, i == n - 1), i + 1, n) for i, c in enumerate(chunks)]
