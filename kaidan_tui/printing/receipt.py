"""ESC/POS receipt printers (80 mm = 48 columns, 58 mm = 32), through python-escpos.

python-escpos 3.1 has traps for Chinese text, so the text is encoded here and sent raw:

- its text path has no GBK/GB18030 profile and never sends ``FS &`` (Chinese mode), so
  hanzi come out as code-page garbage: we send ``FS &`` and GB18030 bytes ourselves;
- ``¥`` is not in the printers' Chinese font: :func:`~kaidan_tui.printing.text.sanitise`
  turns it into the full-width ``￥``;
- ``ESC !`` double size does not enlarge hanzi: titles use ``GS !``;
- importing it calls ``logging.basicConfig()``, which would scribble on the TUI: the
  root logger gets a handler before the lazy import (:func:`load_escpos`).

The library is used for what it does well: the cut and cash-drawer commands (and the
USB and serial connections in :mod:`kaidan_tui.printing.transports`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from types import ModuleType

from kaidan_tui.printing.layout import Page, Row

ESC = b"\x1b"
FS = b"\x1c"
GS = b"\x1d"
INIT = ESC + b"@"
CHINESE_ON = FS + b"&"
BOLD_ON, BOLD_OFF = ESC + b"E\x01", ESC + b"E\x00"
DOUBLE_ON, DOUBLE_OFF = GS + b"!\x11", GS + b"!\x00"
LF = b"\n"


def load_escpos() -> ModuleType:
    """Import ``escpos.printer`` without letting it configure logging for the app."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.NullHandler())
    import importlib

    return importlib.import_module("escpos.printer")


@cache
def library_commands(cut: str, drawer_pin: int) -> tuple[bytes, bytes]:
    """The feed-and-cut and the drawer-kick bytes, as python-escpos makes them."""
    printer = load_escpos().Dummy()
    printer.cut(mode=cut)
    cut_bytes: bytes = printer.output
    printer.clear()
    printer.cashdraw(drawer_pin)
    drawer_bytes: bytes = printer.output
    return cut_bytes, drawer_bytes


@dataclass(frozen=True)
class ReceiptSetup:
    cut: str = "PART"
    """``FULL`` or ``PART`` (partial cut keeps the parts hanging together)."""
    drawer_pin: int = 2
    encoding: str = "gb18030"


def _row_bytes(row: Row, encoding: str) -> bytes:
    text = row.text.encode(encoding, errors="replace")
    if row.bold:
        text = BOLD_ON + text + BOLD_OFF
    if row.double:
        text = DOUBLE_ON + text + DOUBLE_OFF
    return text + LF


def encode_part(
    pages: Sequence[Page], setup: ReceiptSetup, memo: dict[int, bytes] | None = None
) -> bytes:
    """One part: initialise, Chinese mode, the rows, feed and cut.

    ``memo`` shares the encoded rows between parts (they are the same row objects).
    """
    memo = {} if memo is None else memo
    out = bytearray(INIT + CHINESE_ON)
    for page in pages:
        for row in page.rows:
            data = memo.get(id(row))
            if data is None:
                data = memo[id(row)] = _row_bytes(row, setup.encoding)
            out += data
    cut, _ = library_commands(setup.cut, setup.drawer_pin)
    return bytes(out + cut)


def encode(parts: Sequence[Sequence[Page]], setup: ReceiptSetup, *, kick_drawer: bool) -> bytes:
    """Every part separately, each ending in a cut; the drawer opens first (现款)."""
    _, drawer = library_commands(setup.cut, setup.drawer_pin)
    out = bytearray(drawer if kick_drawer else b"")
    memo: dict[int, bytes] = {}
    for pages in parts:
        out += encode_part(pages, setup, memo)
    return bytes(out)
