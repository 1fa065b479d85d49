"""Padding by display width: a hanzi takes two columns of the terminal, so ``f"{s:<8}"``
(which counts characters) shifts every row that holds one. Every table built from text
on screen pads with these (``rich.cells``, the widths Textual draws with)."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size


def pad(text: str, columns: int) -> str:
    """``text`` cut or padded on the right to ``columns`` display columns."""
    return set_cell_size(text, columns)


def rpad(text: str, columns: int) -> str:
    """``text`` right-aligned in ``columns`` display columns (cut on the right if wider)."""
    wide = cell_len(text)
    if wide >= columns:
        return set_cell_size(text, columns)
    return " " * (columns - wide) + text


def clip(text: str, columns: int) -> str:
    """``text`` as it fits in ``columns`` display columns: cut with "…" when it is wider,
    so a cut name never looks whole."""
    if cell_len(text) <= columns:
        return text
    return set_cell_size(text, max(columns - 1, 0)) + "…" if columns > 0 else ""


def fit(text: str, columns: int) -> str:
    """``text`` in exactly ``columns`` display columns: cut with "…", or padded."""
    return set_cell_size(clip(text, columns), columns)
