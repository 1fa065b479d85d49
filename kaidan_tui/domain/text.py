"""Text hygiene and search keys.

Every text that reaches the store, the screen or a printer passes through
:func:`clean_text`: control characters (ESC, GS, NUL, …) are removed, so a name cannot
drive a terminal or a printer, and Rich/Textual markup brackets are kept literal by the
screens (they escape on display); here we only strip what can never be legitimate.
"""

from __future__ import annotations

import itertools
import unicodedata
from functools import lru_cache

_KEEP = {"\n"}


def clean_text(value: str | None, *, multiline: bool = False) -> str:
    """Strip control and format characters; normalise compatibility forms; trim."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", value)
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co") and not (multiline and ch in _KEEP):
            if ch in "\t\r\n":
                out.append(" ")
            continue
        out.append(ch)
    return " ".join("".join(out).split(" ")).strip() if not multiline else "".join(out).strip()


def is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def normalise_query(text: str) -> str:
    """What a clerk typed → the form the search keys are stored in."""
    return unicodedata.normalize("NFKC", clean_text(text)).lower().strip()


@lru_cache(maxsize=4096)
def pinyin_initials(name: str) -> str:
    """``可口可乐 330ml`` → ``kkkl330ml``: first letters of hanzi, ASCII kept, rest dropped.

    Computed when a product or customer is saved, never per keystroke. Polyphones are
    resolved by pypinyin's phrase dictionary (重庆 → cq, 银行 → yh).
    """
    from pypinyin import Style, lazy_pinyin  # imported lazily: ~60 ms, only on save

    out = []
    for chunk in lazy_pinyin(unicodedata.normalize("NFKC", name), style=Style.FIRST_LETTER):
        for ch in chunk.lower():
            if ch.isascii() and ch.isalnum():
                out.append(ch)
    return "".join(out)


def grams(text: str) -> list[str]:
    """Unigrams and bigrams of the CJK runs of ``text`` (for 1–2 character queries)."""
    out: list[str] = []
    run: list[str] = []
    for ch in [*text, " "]:
        if is_cjk(ch):
            run.append(ch)
            continue
        if run:
            out.extend(run)
            out.extend(a + b for a, b in itertools.pairwise(run))
            run = []
    return out
