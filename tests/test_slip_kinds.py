"""The slip-kind table is whole and consistent, and the code reads it."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

from kaidan_tui.domain import slip_kinds
from kaidan_tui.domain.effects import sales_sign
from kaidan_tui.domain.enums import SlipType
from kaidan_tui.domain.lookup import parse_lookup
from kaidan_tui.domain.slip_kinds import KINDS, Original, Prices
from kaidan_tui.printing import config as printer_config

ROOT = Path(__file__).resolve().parent.parent


def test_every_type_has_one_row_and_the_rows_do_not_clash() -> None:
    assert set(KINDS) == set(SlipType)
    assert all(k.type is t for t, k in KINDS.items())
    for name in ("prefix", "series", "label", "title"):
        values = [getattr(k, name) for k in KINDS.values()]
        assert len(set(values)) == len(values), f"two kinds share a {name}: {values}"
    words = [w for k in KINDS.values() for w in k.words]
    assert len(set(words)) == len(words), words
    for k in KINDS.values():
        assert k.stock_sign in (-1, 1) and k.money_sign in (-1, 0, 1)
        assert set(k.against) <= {t.value for t in SlipType}
        assert (k.original is Original.NONE) == (not k.against), k.type
        # a kind made only from its original is never typed at the counter
        assert not (k.original is Original.MUST and k.entered), k.type


def test_the_shipped_printers_file_routes_every_kind() -> None:
    routing = tomllib.loads((ROOT / "printers.toml").read_text(encoding="utf-8"))["routing"]
    assert set(routing) <= set(slip_kinds.ROUTES) | {"default"}
    assert {k.route for k in KINDS.values()} <= set(routing)


def test_a_misspelt_routing_key_is_refused() -> None:
    raw = {"printers": {"p": {"kind": "file", "path": "/tmp/x.prn"}}, "routing": {"sael": "p"}}
    with pytest.raises(printer_config.PrinterConfigError, match="sael 不认识"):
        printer_config.parse(raw, source="printers.toml")


@pytest.mark.parametrize("kind", list(SlipType))
def test_lookup_words_find_their_kind(kind: SlipType) -> None:
    for word in kind.kind.words:
        assert parse_lookup(word, today=date(2026, 12, 6)).types == {kind}


def test_the_sales_sign_reads_the_money_sign() -> None:
    for t, k in KINDS.items():
        if k.prices is Prices.MIRROR:
            continue
        assert sales_sign(t.value, "posted") == k.money_sign
        assert sales_sign(t.value, "void") == 0
    red = SlipType.REVERSAL.value
    assert sales_sign(red, "posted", "sale") == 1
    assert sales_sign(red, "posted", "gift") == 0


def test_types_parse_from_value_label_and_prefix() -> None:
    for t in SlipType:
        assert SlipType.parse(t.value) is t
        assert SlipType.parse(f" {t.label} ") is t
        assert SlipType.parse(t.prefix) is t
    with pytest.raises(ValueError):
        SlipType.parse("转账")


def test_the_order_screen_cycles_through_the_entered_kinds() -> None:
    from kaidan_tui.tui.screens import order_entry

    assert order_entry.TYPES == slip_kinds.ENTERED
    assert SlipType.REVERSAL not in order_entry.TYPES


def test_a_reversal_can_be_made_against_every_other_kind() -> None:
    """A kind added to the table can be 红冲'd without editing the 红冲 row (a hostile
    trial followed the how-to, and its new kind could not be reversed)."""
    others = {t.value for t in SlipType if t is not SlipType.REVERSAL}
    assert set(SlipType.REVERSAL.kind.against) == others
