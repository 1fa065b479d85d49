"""One transport class per printers.toml kind: each checks its settings and answers a send."""

from __future__ import annotations

from pathlib import Path

import pytest

from kaidan_tui.printing import config, transports
from kaidan_tui.printing.transports import TRANSPORTS, NotSent, Sent

NEEDS = {"file": "path", "tcp": "host", "cups": "queue", "serial": "device", "usb": "device"}


def _cfg(table: dict[str, object]) -> config.PrinterConfig:
    return config.parse({"printers": {"p": table}}, source="t.toml").printers["p"]


def test_the_registry_is_the_list_of_kinds() -> None:
    assert set(TRANSPORTS) == set(NEEDS) == set(config.KINDS)
    assert all(t.kind == kind for kind, t in TRANSPORTS.items())


@pytest.mark.parametrize("kind", sorted(NEEDS))
def test_each_kind_refuses_a_printer_without_its_setting(kind: str) -> None:
    with pytest.raises(config.PrinterConfigError, match=rf"\[printers\.p\].*{NEEDS[kind]}"):
        _cfg({"kind": kind})


def test_a_file_printer_answers_sent_and_not_sent(tmp_path: Path) -> None:
    good = _cfg({"kind": "file", "path": str(tmp_path / "out" / "slip.prn")})
    assert isinstance(transports.transport(good).send(b"\x1b@ok"), Sent)
    assert (tmp_path / "out" / "slip.prn").read_bytes() == b"\x1b@ok"
    (tmp_path / "dir.prn").mkdir()
    bad = _cfg({"kind": "file", "path": str(tmp_path / "dir.prn")})
    outcome = transports.transport(bad).send(b"x")
    assert isinstance(outcome, NotSent)
    assert str(outcome.problem).startswith("打印机 p：打不开")


@pytest.mark.parametrize(
    ("table", "where"),
    [
        ({"kind": "tcp", "host": "10.0.0.9", "port": 9101}, "10.0.0.9:9101"),
        ({"kind": "cups", "queue": "lq"}, "CUPS 队列 lq"),
        ({"kind": "usb", "vendor_id": "04b8", "product_id": "0202"}, "USB 04b8:0202"),
        ({"kind": "usb", "device": "/dev/usb/lp0"}, "/dev/usb/lp0"),
        ({"kind": "serial", "device": "/dev/ttyS0"}, "/dev/ttyS0"),
    ],
)
def test_each_kind_says_where_its_bytes_go(table: dict[str, object], where: str) -> None:
    assert _cfg(table).where == where
