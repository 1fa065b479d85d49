"""A slip document + a configured printer → the bytes for it, or the text preview."""

from __future__ import annotations

from kaidan_tui.printing import dotmatrix, receipt
from kaidan_tui.printing.config import PrinterConfig
from kaidan_tui.printing.layout import Form, Page, SlipDoc, layout

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
    return [layout(doc, form, part=part_label(i, n)) for i, n in enumerate(cfg.parts)]


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
