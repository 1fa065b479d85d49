"""A slip document + a configured printer → the bytes for it, or the text preview."""

from __future__ import annotations

from kaidan_tui.printing import dotmatrix, receipt
from kaidan_tui.printing.config import PrinterConfig
from kaidan_tui.printing.layout import Form, Page, Row, SlipDoc, layout
from kaidan_tui.printing.text import cut, sanitise, wrap

_ORDINALS = "一二三四五六"


def part_label(index: int, name: str) -> str:
    """``第一联 白联 存根联``."""
    return f"第{_ORDINALS[index]}联 {name}"


def form_for(cfg: PrinterConfig) -> Form:
    if cfg.protocol == "escp":
        return Form(cfg.columns, cfg.dotmatrix.rows_per_page, can_enlarge=False)
    return Form(cfg.columns, None, can_enlarge=True)


def pages_for(doc: SlipDoc, cfg: PrinterConfig) -> list[list[Page]]:
    """One list of pages per pass: one pass for carbon forms, one per part on receipts."""
    form = form_for(cfg)
    if cfg.protocol == "escp":
        names = "　".join(cfg.parts) if cfg.part_names else ""
        return [layout(doc, form, part=names)]
    # A roll is one page; lay it out once and put each part's name at its foot.
    [page] = layout(doc, form)
    passes = []
    for i, name in enumerate(cfg.parts):
        label = wrap(sanitise(part_label(i, name)), cfg.columns)
        passes.append([Page(page.rows + tuple(Row(r, bold=True) for r in label), 1, 1)])
    return passes


def render(doc: SlipDoc, cfg: PrinterConfig) -> bytes:
    passes = pages_for(doc, cfg)
    if cfg.protocol == "escp":
        return dotmatrix.encode(passes[0], cfg.dotmatrix)
    kick = cfg.drawer and doc.settlement == "现款" and not doc.reprint_no and not doc.void
    return receipt.encode(passes, cfg.receipt, kick_drawer=kick)


def preview(doc: SlipDoc, cfg: PrinterConfig, *, all_parts: bool = False) -> str:
    """The slip as plain text, pages separated by a form-feed marker line."""
    passes = pages_for(doc, cfg)
    if not all_parts:
        passes = passes[:1]
    blocks = []
    for pages in passes:
        for page in pages:
            blocks.append("\n".join(r.text for r in page.rows))
    rule = f"\n{'·' * 8} 换页 {'·' * 8}\n"
    return rule.join(blocks)


def test_page(cfg: PrinterConfig) -> list[Page]:
    """A calibration page: a column ruler, a row of hanzi, corner marks, numbered rows.

    On dot-matrix forms every row of the form is numbered, so the last number printed
    before the perforation shows whether the page length matches the stationery.
    """
    cols = cfg.columns
    tens = "".join(f"{i // 10 % 10}" if i % 10 == 0 else " " for i in range(1, cols + 1))
    ones = "".join(str(i % 10) for i in range(1, cols + 1))
    rows = [
        Row("+" + "-" * (cols - 2) + "+"),
        Row(f"打印测试页：{cfg.name}（{cfg.where}）", bold=True),
        Row(f"{cols} 列，协议 {cfg.protocol}"),
        Row(tens),
        Row(ones),
        Row("中" * (cols // 2)),
        Row("汉字与数字对齐：" + "12" * ((cols - 16) // 2)),
    ]
    total = cfg.dotmatrix.rows_per_page if cfg.protocol == "escp" else len(rows) + 2
    if cfg.protocol == "escp":
        setup = cfg.dotmatrix
        rows.append(
            Row(
                f"纸长 {setup.form_length_mm} 毫米 = {setup.form_rows} 行，"
                f"偏移 左 {setup.offset_x_mm} / 上 {setup.offset_y_mm} 毫米"
            )
        )
    while len(rows) < total - 1:
        rows.append(Row(f"{len(rows) + 1:02d}"))
    rows.append(Row("+" + "-" * (cols - 2) + "+"))
    return [Page(tuple(Row(cut(r.text, cols), r.bold) for r in rows), 1, 1)]


def render_test_page(cfg: PrinterConfig) -> bytes:
    pages = test_page(cfg)
    if cfg.protocol == "escp":
        return dotmatrix.encode(pages, cfg.dotmatrix)
    return receipt.encode([pages], cfg.receipt, kick_drawer=False)


def render_report(rows: list[Row], cfg: PrinterConfig) -> bytes:
    """A report (statement, daily report) as one long page: forms on dot-matrix printers
    are fed form by form, a receipt printer prints it once and cuts."""
    clean = [Row(cut(sanitise(r.text), cfg.columns), r.bold) for r in rows]
    if cfg.protocol == "escp":
        per = cfg.dotmatrix.rows_per_page
        pages = [
            Page(tuple(clean[i : i + per]), n + 1, -(-len(clean) // per))
            for n, i in enumerate(range(0, len(clean), per))
        ]
        return dotmatrix.encode(pages, cfg.dotmatrix)
    return receipt.encode([[Page(tuple(clean), 1, 1)]], cfg.receipt, kick_drawer=False)
