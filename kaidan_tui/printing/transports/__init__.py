"""Getting bytes to a printer, one class per ``kind`` of printers.toml.

Each :class:`~kaidan_tui.printing.transports.base.Transport` checks its own settings
(``problem``), sends (``send`` → ``Sent | NotSent | Uncertain``; ``deliver`` raises) and,
where the connection allows, asks the printer's status first. A new kind of connection
is one module here and one line in :data:`TRANSPORTS`, when the settings printers.toml
already has (path, host, port, device, queue, timeout…) describe it. A kind with a setting
of its own (say ``command`` for an lpr pipe) also adds that field to
:class:`~kaidan_tui.printing.config.PrinterConfig` and reads it in ``config._printer``;
a key no printer reads is refused there as misspelt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kaidan_tui.printing.transports.base import (
    NotSent as NotSent,
)
from kaidan_tui.printing.transports.base import (
    Outcome as Outcome,
)
from kaidan_tui.printing.transports.base import (
    PrinterProblem as PrinterProblem,
)
from kaidan_tui.printing.transports.base import (
    PrinterStatus as PrinterStatus,
)
from kaidan_tui.printing.transports.base import (
    PrinterUnavailable as PrinterUnavailable,
)
from kaidan_tui.printing.transports.base import (
    PrinterUncertain as PrinterUncertain,
)
from kaidan_tui.printing.transports.base import (
    Sent as Sent,
)
from kaidan_tui.printing.transports.base import (
    Transport as Transport,
)
from kaidan_tui.printing.transports.base import (
    Uncertain as Uncertain,
)
from kaidan_tui.printing.transports.base import (
    decode_escpos_status as decode_escpos_status,
)
from kaidan_tui.printing.transports.cups import CupsTransport
from kaidan_tui.printing.transports.file import FileTransport
from kaidan_tui.printing.transports.file import decode_lp_status as decode_lp_status
from kaidan_tui.printing.transports.library import SerialTransport, UsbTransport
from kaidan_tui.printing.transports.tcp import TcpTransport

if TYPE_CHECKING:
    from kaidan_tui.printing.config import PrinterConfig

TRANSPORTS: dict[str, type[Transport]] = {
    t.kind: t for t in (FileTransport, TcpTransport, UsbTransport, SerialTransport, CupsTransport)
}
"""``kind`` in printers.toml → its transport."""


def transport(cfg: PrinterConfig) -> Transport:
    return TRANSPORTS[cfg.kind](cfg)


def send(cfg: PrinterConfig, data: bytes) -> None:
    """Deliver one job, or raise :class:`PrinterUnavailable` / :class:`PrinterUncertain`."""
    transport(cfg).deliver(data)


def status(cfg: PrinterConfig) -> PrinterStatus | None:
    """Ask the printer before sending, where the connection allows it; ``None`` = can't tell."""
    return transport(cfg).status()
