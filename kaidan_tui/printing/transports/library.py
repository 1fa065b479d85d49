"""USB printers by vendor/product id and serial printers, through python-escpos."""

from __future__ import annotations

import contextlib
from typing import Any

from kaidan_tui.printing.transports.base import DLE_EOT, Transport, decode_escpos_status
from kaidan_tui.printing.transports.file import FileTransport


def library_printer(cfg: Any) -> Any:
    """The python-escpos connection object for a serial or USB-by-id printer."""
    from kaidan_tui.printing.receipt import load_escpos

    printers = load_escpos()
    if cfg.kind == "serial":
        return printers.Serial(devfile=cfg.device, baudrate=cfg.baudrate, timeout=cfg.timeout)
    return printers.Usb(cfg.vendor_id, cfg.product_id, timeout=int(cfg.timeout * 1000))


class LibraryTransport(Transport):
    """Sent through python-escpos; receipt printers are asked for paper first."""

    kind = "serial"
    connect = staticmethod(library_printer)
    """Replaced in tests by a fake printer."""

    @classmethod
    def problem(cls, cfg: Any) -> str | None:
        return None if cfg.device else f'kind = "{cls.kind}" 需要填写 device'

    @property
    def where(self) -> str:
        return str(self.cfg.device)

    def deliver(self, data: bytes) -> None:
        try:
            printer = type(self).connect(self.cfg)
            printer.open()
        except Exception as exc:  # the library raises its own and pyusb/pyserial errors
            raise self.unavailable(f"打不开 {self.where}（{exc}）") from None
        try:
            if self.cfg.protocol == "escpos":
                status = None
                with contextlib.suppress(Exception):  # a printer that cannot answer: unknown
                    online = printer.query_status(DLE_EOT + b"\x01")
                    paper = printer.query_status(DLE_EOT + b"\x04")
                    status = decode_escpos_status(
                        online[0] if online else None, paper[0] if paper else None
                    )
                self.check_ready(status)
            try:
                printer._raw(data)
            except Exception as exc:
                raise self.uncertain(f"发送中出错（{exc}）") from None
        finally:
            with contextlib.suppress(Exception):
                printer.close()


class SerialTransport(LibraryTransport):
    kind = "serial"


class UsbTransport(LibraryTransport):
    """A printer-class device file (``device``) is written like a file, with its
    parallel-port status; a vendor/product id goes through python-escpos."""

    kind = "usb"

    @classmethod
    def problem(cls, cfg: Any) -> str | None:
        if cfg.device or cfg.vendor_id is not None:
            return None
        return "USB 打印机要写 device（如 /dev/usb/lp0）或 vendor_id/product_id"

    @property
    def where(self) -> str:
        if self.cfg.vendor_id is not None:
            return f"USB {self.cfg.vendor_id:04x}:{self.cfg.product_id or 0:04x}"
        return str(self.cfg.device)

    def _device(self) -> FileTransport | None:
        return _DeviceFile(self.cfg) if self.cfg.device else None

    def deliver(self, data: bytes) -> None:
        if (device := self._device()) is not None:
            device.deliver(data)
        else:
            super().deliver(data)

    def status(self) -> Any:
        device = self._device()
        return device.status() if device is not None else None


class _DeviceFile(FileTransport):
    """A USB lp device written as a file (never created)."""

    kind = "usb"
