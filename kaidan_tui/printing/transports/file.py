"""A file (the demo's default printer) or a printer-class device file (``/dev/usb/lp0``).

A device file reports its parallel-port status through ``LPGETSTATUS``; only a plain
file printer may create its file.
"""

from __future__ import annotations

import os
from pathlib import Path

from kaidan_tui.printing.transports.base import PrinterStatus, Transport, is_device, reason

LPGETSTATUS = 0x060B


def decode_lp_status(value: int) -> PrinterStatus:
    """Linux ``LPGETSTATUS``: 0x20 paper out, 0x10 selected (online), 0x08 no-error."""
    return PrinterStatus(
        online=bool(value & 0x10), paper_out=bool(value & 0x20), error=not value & 0x08
    )


def lp_status(path: str) -> PrinterStatus | None:
    """The parallel-port status of a USB printer-class device (``/dev/usb/lp0``)."""
    import fcntl
    import struct

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        buf = fcntl.ioctl(fd, LPGETSTATUS, struct.pack("i", 0))
        return decode_lp_status(struct.unpack("i", buf)[0])
    except OSError:
        return None
    finally:
        os.close(fd)


class FileTransport(Transport):
    kind = "file"

    @classmethod
    def problem(cls, cfg: object) -> str | None:
        return None if getattr(cfg, "path", "") else f'kind = "{cls.kind}" 需要填写 path'

    @property
    def path(self) -> str:
        return self.cfg.path or self.cfg.device

    @property
    def where(self) -> str:
        return self.path

    def deliver(self, data: bytes) -> None:
        path = self.path
        device = is_device(path)
        if device:
            self.check_ready(lp_status(path))
        plain_file = self.kind == "file" and not device  # only a file printer creates it
        try:
            if plain_file:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            flags = os.O_WRONLY | (os.O_CREAT | os.O_APPEND if plain_file else 0)
            fd = os.open(path, flags, 0o600)
        except OSError as exc:
            raise self.unavailable(f"打不开 {path}（{reason(exc)}）") from None
        sent = 0
        try:
            while sent < len(data):
                sent += os.write(fd, data[sent:])
            if plain_file:
                os.fsync(fd)
        except OSError as exc:
            if sent == 0:
                raise self.unavailable(f"写不进 {path}（{reason(exc)}）") from None
            raise self.uncertain(f"写到一半出错（{reason(exc)}）") from None
        finally:
            os.close(fd)

    def status(self) -> PrinterStatus | None:
        if is_device(self.path):
            return lp_status(self.path)
        if self.kind == "file":
            parent = Path(self.cfg.path).parent
            return PrinterStatus(online=parent.is_dir() or not parent.exists())
        return None
