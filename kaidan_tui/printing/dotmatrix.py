"""ESC/P for Epson-compatible 24-pin dot-matrix printers (LQ-630K/735K and clones).

The bytes are generated here, not by a library:

- ``ESC @`` initialise, ``FS &`` Chinese mode (GB18030/GBK double-byte text), the pitch
  (``ESC P`` 10 cpi, ``ESC M`` 12 cpi, ``ESC g`` 15 cpi) and ``ESC 3 n`` line spacing
  in n/180 inch;
- the page length set to the *form*, not A4: ``ESC C n`` in lines (every ESC/P printer)
  or, with ``page_length = "exact"``, ``ESC ( U`` + ``ESC ( C`` in 1/360 inch (ESC/P2);
  full form 279.4 mm = 11 in, 二等分 139.7 mm, 三等分 93.1 mm;
- ``FF`` after every form, so the next slip starts at the top of the next form;
- calibration for pre-printed forms: ``ESC J n`` moves the first row down (n/180 inch),
  ``ESC $`` puts every row at an absolute position (1/60 inch) from the left edge.

All carbon parts print in one pass; their names go on the form's last row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kaidan_tui.printing.layout import Page

ESC = b"\x1b"
FS = b"\x1c"
INIT = ESC + b"@"
CHINESE_ON = FS + b"&"
BOLD_ON, BOLD_OFF = ESC + b"E", ESC + b"F"
FF = b"\x0c"
CRLF = b"\r\n"
PITCH = {10: ESC + b"P", 12: ESC + b"M", 15: ESC + b"g"}
MM_PER_INCH = 25.4
MAX_DRIFT_MM = 0.5
"""Most a form may drift when its length is set in whole rows (``ESC C n``)."""


@dataclass(frozen=True)
class DotMatrixSetup:
    """Form and calibration of one dot-matrix printer (from ``printers.toml``)."""

    form_length_mm: float = 139.7
    line_spacing: int = 30
    """Row pitch in 1/180 inch (30 = 6 rows per inch)."""
    cpi: int = 10
    offset_x_mm: float = 0.0
    offset_y_mm: float = 0.0
    bottom_margin_rows: int = 1
    exact_length: bool = False
    """Set the page length in 1/360 inch (ESC/P2) instead of whole rows."""
    encoding: str = "gb18030"

    @property
    def form_rows(self) -> int:
        """Rows in one form at the configured spacing (the ``ESC C n`` value)."""
        return round(self.form_length_mm / MM_PER_INCH * 180 / self.line_spacing)

    @property
    def top_units(self) -> int:
        """The top offset in 1/180 inch."""
        return max(0, round(self.offset_y_mm / MM_PER_INCH * 180))

    @property
    def rows_per_page(self) -> int:
        """Printable rows: the form minus the top offset and the bottom margin."""
        top_rows = -(-self.top_units // self.line_spacing)
        return self.form_rows - top_rows - self.bottom_margin_rows

    def _error_at(self, spacing: int) -> float:
        rows = round(self.form_length_mm / MM_PER_INCH * 180 / spacing)
        return rows * spacing / 180 * MM_PER_INCH - self.form_length_mm

    @property
    def length_error_mm(self) -> float:
        """How far ``ESC C n`` (whole rows) is from the real form length, per form."""
        if self.exact_length:
            return 0.0
        return self.form_rows * self.line_spacing / 180 * MM_PER_INCH - self.form_length_mm

    def check(self) -> list[str]:
        problems = []
        if self.cpi not in PITCH:
            problems.append(f"字距 cpi={self.cpi} 不支持，只能是 10、12 或 15")
        if not 1 <= self.line_spacing <= 255:
            problems.append(f"行距 line_spacing={self.line_spacing} 须在 1..255（单位 1/180 英寸）")
        if not 20 <= self.form_length_mm <= 558:
            problems.append(f"纸长 form_length_mm={self.form_length_mm} 不合理（20..558 毫米）")
        elif not 1 <= self.form_rows <= 127:
            problems.append("纸长除以行距超过 127 行，ESC C 无法设置，请加大行距")
        elif abs(self.length_error_mm) > MAX_DRIFT_MM:
            fits = [n for n in range(20, 61) if abs(self._error_at(n)) <= MAX_DRIFT_MM]
            hint = "、".join(str(n) for n in fits[:6]) or "（无）"
            problems.append(
                f"行距 {self.line_spacing}/180 英寸时，{self.form_rows} 行 = "
                f"{self.form_rows * self.line_spacing / 180 * MM_PER_INCH:.1f} 毫米，"
                f"与纸长 {self.form_length_mm} 毫米差 {self.length_error_mm:+.1f} 毫米，"
                f"每张都会走偏。请改用行距 {hint}，或设 exact_length = true（ESC/P2 打印机）"
            )
        if self.offset_x_mm < 0 or self.offset_y_mm < 0:
            problems.append("偏移量不能为负数：请调整打印机的起始位置或送纸位置")
        return problems


def _page_length(setup: DotMatrixSetup) -> bytes:
    if setup.exact_length:
        units = round(setup.form_length_mm / MM_PER_INCH * 360)
        # ESC ( U: unit = 10/3600 inch; ESC ( C: page length in those units.
        return ESC + b"(U\x01\x00\x0a" + ESC + b"(C\x02\x00" + bytes((units & 0xFF, units >> 8))
    return ESC + b"C" + bytes((setup.form_rows,))


def _x_position(setup: DotMatrixSetup) -> bytes:
    sixtieths = round(setup.offset_x_mm / MM_PER_INCH * 60)
    if sixtieths <= 0:
        return b""
    return ESC + b"$" + bytes((sixtieths & 0xFF, sixtieths >> 8))


def preamble(setup: DotMatrixSetup) -> bytes:
    return (
        INIT
        + CHINESE_ON
        + PITCH.get(setup.cpi, PITCH[10])
        + ESC
        + b"3"
        + bytes((setup.line_spacing,))
        + _page_length(setup)
    )


def encode(pages: Iterable[Page], setup: DotMatrixSetup) -> bytes:
    """One job: preamble, then every page as one form ending in a form feed."""
    out = bytearray(preamble(setup))
    x = _x_position(setup)
    for page in pages:
        remaining = setup.top_units
        while remaining > 0:
            step = min(remaining, 255)
            out += ESC + b"J" + bytes((step,))
            remaining -= step
        for row in page.rows:
            out += x
            if row.bold:
                out += BOLD_ON
            out += row.text.encode(setup.encoding, errors="replace")
            if row.bold:
                out += BOLD_OFF
            out += CRLF
        out += FF
    return bytes(out)
