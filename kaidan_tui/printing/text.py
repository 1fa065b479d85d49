"""Printer text: sanitising, display width and fitting in columns.

Printers in Chinese mode print every GB18030 multi-byte character two columns wide
and every ASCII byte one column wide, so the width of a character on paper is decided
by its encoding, not by the terminal's idea of East Asian width (``×`` and ``①`` are
narrow in a terminal but double on paper).
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls, line/paragraph separators, bidi overrides, BOM and
# surrogates: none of them may reach a printer from data.
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)
_SPACES = re.compile(r"[\t\r\n\v\f]+")
_REPLACE = str.maketrans({"¥": "￥", "\u00a0": " ", "\u3000": "  "})


def sanitise(text: str) -> str:
    """Text safe to encode for a printer: no byte of it can be read as a command.

    Tabs and line breaks become one space, other control characters are dropped, the
    half-width yen sign (garbage in most printer code pages) becomes the full-width ``￥``.
    """
    if text.isprintable():  # no control, format or separator character: the common case
        return text.translate(_REPLACE) if "¥" in text or "\u3000" in text else text
    text = _SPACES.sub(" ", text).translate(_REPLACE)
    return _CONTROL.sub("", text)


def char_width(ch: str) -> int:
    return 1 if ord(ch) < 0x80 else 2


def width(text: str) -> int:
    """Columns on paper: ASCII 1, anything else 2."""
    n = len(text)
    if text.isascii():
        return n
    return 2 * n - len(text.encode("ascii", "ignore"))  # n + the non-ASCII count


def cut(text: str, columns: int) -> str:
    """The longest prefix of ``text`` that fits ``columns``, cut between characters."""
    if len(text) * 2 <= columns or width(text) <= columns:
        return text
    used = 0
    for i, ch in enumerate(text):
        used += 1 if ch < "\x80" else 2
        if used > columns:
            return text[:i]
    return text


def wrap(text: str, columns: int) -> list[str]:
    """Split ``text`` into rows of at most ``columns``, never inside a character.

    Breaks at a space when one is near the end of the row, else anywhere (Chinese has
    no spaces). Always returns at least one row.
    """
    if columns < 2:
        raise ValueError("columns must be at least 2")
    rows: list[str] = []
    rest = text.strip()
    while width(rest) > columns:
        head = cut(rest, columns)
        space = head.rfind(" ")
        if space > len(head) // 2:
            head = head[:space]
        rows.append(head.rstrip())
        rest = rest[len(head) :].lstrip()
    rows.append(rest)
    return rows


def pad(text: str, columns: int, align: str = "left") -> str:
    """``text`` cut to ``columns`` and padded with spaces to exactly ``columns``."""
    text = cut(text, columns)
    room = columns - width(text)
    if align == "right":
        return " " * room + text
    if align == "center":
        left = room // 2
        return " " * left + text + " " * (room - left)
    return text + " " * room


def spread(left: str, right: str, columns: int) -> str:
    """``left`` at the start and ``right`` flush right on one row (``right`` wins space)."""
    right = cut(right, columns)
    room = columns - width(right)
    if room <= 0:
        return right
    left = cut(left, max(room - 1, 0))
    return left + " " * (columns - width(left) - width(right)) + right
