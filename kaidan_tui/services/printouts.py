"""What prints where: printers.toml for this store, routing, and previews.

Every "which printer takes this" question goes through :meth:`PrintersConfig.target`,
so the TUI and the CLI say the same thing when [routing] names no printer.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from kaidan_tui.db.engine import Database, default_data_dir, sqlite_path
from kaidan_tui.db.queries.slips import find_slip
from kaidan_tui.printing import config as printer_config
from kaidan_tui.printing.config import PrinterConfig, PrintersConfig
from kaidan_tui.printing.layout import DocLine, Form, SlipDoc, layout
from kaidan_tui.printing.render import preview
from kaidan_tui.services.documents import slip_document
from kaidan_tui.services.slip_input import typed_or_record
from kaidan_tui.services.slips import SlipIn, prepare


def load_printers(db: Database, path: str | Path | None = None) -> PrintersConfig:
    """``printers.toml`` for this store; ``{data}`` is the folder of the SQLite file."""
    store = sqlite_path(db.url)
    return printer_config.load(path, data_dir=store.parent if store else default_data_dir())


def draft_document(db: Database, slip_in: SlipIn, *, maker: str) -> SlipDoc:
    """The slip as it will print, before it is posted (number not yet taken)."""
    with db.read() as session:
        prep = prepare(session, slip_in)
    sign = Decimal(prep.type.kind.print_sign)
    cust = prep.customer
    return SlipDoc(
        header=prep.ledger.header,
        title=prep.type.slip_title,
        number="（过账后取号）",
        business_date=prep.business_date,
        lines=tuple(
            DocLine(
                no=ln.line_no,
                code=ln.product.code,
                name=ln.product.name,
                spec=ln.product.spec,
                unit=ln.product.unit,
                qty=ln.qty * sign,
                price=ln.price,
                amount=ln.amount * sign,
                remarks=ln.remarks,
                codes=tuple(ln.trace_codes),
                is_gift=ln.is_gift,
            )
            for ln in prep.lines
        ),
        total_qty=prep.total_qty * sign,
        total_amount=prep.total_amount * sign,
        maker=maker,
        cust_code=cust.code if cust else "",
        cust_name=cust.name if cust else "",
        contact=typed_or_record(slip_in, cust, "contact"),
        phone=typed_or_record(slip_in, cust, "phone"),
        address=cust.address if cust else "",
        channel=cust.channel if cust else "",
        freight_station=typed_or_record(slip_in, cust, "freight_station"),
        freight_phone=typed_or_record(slip_in, cust, "freight_phone"),
        store_code=cust.store_code if cust else "",
        po_number=slip_in.po_number,
        recipient=slip_in.recipient,
        settlement=prep.settlement.value,
        delivery=slip_in.delivery,
        remarks=slip_in.remarks,
        handler=slip_in.handler,
        discount_amount=prep.discount_amount,
    )


def slip_preview(
    db: Database,
    number: str,
    printers: PrintersConfig,
    *,
    printer: str | None = None,
    all_parts: bool = False,
    any_printer: bool = False,
) -> tuple[str, PrinterConfig]:
    """A posted slip as its printer would print it, and that printer. With
    ``any_printer``, a slip type [routing] does not print is laid out for the first
    printer (to show it on screen) instead of refused."""
    with db.read() as session:
        slip = find_slip(session, number)
        assert slip.id is not None
        if any_printer and not printer and printers.route(slip.type) is None:
            printer = next(iter(printers.printers), None)
        target = printers.target(slip.type, printer)
        doc = slip_document(session, slip.id)
    return preview(doc, target, all_parts=all_parts), target


NARROWEST_ROLL = 32
"""The 58 mm receipt's columns: the narrowest layout shown on screen."""


def slip_on_screen(db: Database, number: str, columns: int) -> str:
    """A posted slip laid out as a roll ``columns`` wide (never under the 58 mm receipt's
    32): how a panel narrower than the slip's printer shows it, every figure kept (the
    print layout itself stays in F10)."""
    with db.read() as session:
        slip = find_slip(session, number)
        assert slip.id is not None
        doc = slip_document(session, slip.id)
    [page] = layout(doc, Form(max(columns, NARROWEST_ROLL), None))
    return "\n".join(r.text for r in page.rows)


def draft_preview(
    db: Database, slip_in: SlipIn, printers: PrintersConfig, *, maker: str
) -> tuple[str, PrinterConfig]:
    """A slip not yet posted as its printer would print it, and that printer."""
    target = printers.target(slip_in.type.value)
    return preview(draft_document(db, slip_in, maker=maker), target), target
