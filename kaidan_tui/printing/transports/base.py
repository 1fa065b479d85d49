"""What every transport shares: the answer to a send, the printer's status, the problems.

Two failures matter to the spool, and they are told apart here:

- :class:`PrinterUnavailable` (:class:`NotSent`): nothing reached the printer (refused,
  unplugged, offline, paper out). The job stays pending and is retried; no slip is lost
  or doubled.
- :class:`PrinterUncertain` (:class:`Uncertain`): the connection dropped after some bytes
  left. Part of the slip may be on paper; the clerk is asked, and a second copy is only
  ever a 补打.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from kaidan_tui.printing.config import PrinterConfig

DLE_EOT = b"\x10\x04"


class PrinterProblem(Exception):
    def __init__(self, printer: str, message: str, advice: str) -> None:
        super().__init__(f"打印机 {printer}：{message}。{advice}")
        self.printer = printer
        self.message = message
        self.advice = advice


class PrinterUnavailable(PrinterProblem):
    """Nothing was sent: safe to retry."""


class PrinterUncertain(PrinterProblem):
    """The connection failed mid-job: part of the slip may have printed."""


@dataclass(frozen=True)
class Sent:
    """Every byte was accepted."""


@dataclass(frozen=True)
class NotSent:
    """Nothing reached the printer: the job may be retried as it is."""

    problem: PrinterUnavailable


@dataclass(frozen=True)
class Uncertain:
    """Part of the job may be on paper: ask the clerk."""

    problem: PrinterUncertain


Outcome = Sent | NotSent | Uncertain


@dataclass(frozen=True)
class PrinterStatus:
    online: bool | None = None
    paper_out: bool | None = None
    paper_low: bool | None = None
    error: bool | None = None

    @property
    def ready(self) -> bool:
        return self.online is not False and not self.paper_out and not self.error

    def describe(self) -> str:
        if self.paper_out:
            return "缺纸"
        if self.online is False:
            return "脱机（离线）"
        if self.error:
            return "故障（盖子打开或卡纸）"
        if self.paper_low:
            return "纸快用完"
        if self.online is None:
            return "状态未知"
        return "就绪"


ADVICE = {
    "缺纸": "请装纸后按 Ctrl+R 重试",
    "脱机（离线）": "请按打印机的联机键（ONLINE/SEL），再按 Ctrl+R 重试",
    "故障（盖子打开或卡纸）": "请合上盖子、清除卡纸，再按 Ctrl+R 重试",
}


def decode_escpos_status(online_byte: int | None, paper_byte: int | None) -> PrinterStatus:
    """``DLE EOT 1`` (bit 3: offline) and ``DLE EOT 4`` (bits 5/6: paper end, 2/3: near end)."""
    return PrinterStatus(
        online=None if online_byte is None else not online_byte & 0x08,
        paper_out=None if paper_byte is None else bool(paper_byte & 0x60),
        paper_low=None if paper_byte is None else bool(paper_byte & 0x0C),
    )


def reason(exc: OSError) -> str:
    """An OS error as a clerk can act on it."""
    if isinstance(exc, ConnectionRefusedError):
        return "连接被拒绝：打印机没开或端口不对"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "超时：网络不通或打印机没开"
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return "连接被对方断开"
    if isinstance(exc, FileNotFoundError):
        return "设备不存在：没插好或没开机"
    if isinstance(exc, PermissionError):
        return "没有权限：请把用户加入 lp 组"
    return exc.strerror or type(exc).__name__


def is_device(path: str) -> bool:
    with contextlib.suppress(OSError):
        return stat.S_ISCHR(os.stat(path).st_mode)
    return False


class Transport(ABC):
    """One way of getting bytes to a printer. A subclass per ``kind`` of printers.toml,
    registered in :data:`kaidan_tui.printing.transports.TRANSPORTS`."""

    kind: ClassVar[str]

    def __init__(self, cfg: PrinterConfig) -> None:
        self.cfg = cfg

    @classmethod
    def problem(cls, cfg: PrinterConfig) -> str | None:
        """What is missing or wrong in the printer's settings for this kind (Chinese), or
        None. printers.toml is refused with it."""
        return None

    @property
    @abstractmethod
    def where(self) -> str:
        """Where the bytes go, for messages (``192.168.1.50:9100``, ``/dev/usb/lp0``)."""

    @abstractmethod
    def deliver(self, data: bytes) -> None:
        """Send, or raise :class:`PrinterUnavailable` / :class:`PrinterUncertain`."""

    def status(self) -> PrinterStatus | None:
        """Ask the printer before sending, where the connection allows; None = can't tell."""
        return None

    def send(self, data: bytes) -> Outcome:
        try:
            self.deliver(data)
        except PrinterUnavailable as exc:
            return NotSent(exc)
        except PrinterUncertain as exc:
            return Uncertain(exc)
        return Sent()

    # -- for the subclasses ------------------------------------------------------------

    def unavailable(self, message: str, advice: str = "") -> PrinterUnavailable:
        return PrinterUnavailable(
            self.cfg.display,
            message,
            advice or "请检查电源、连线和网络，打印任务会自动重试（Ctrl+R 立即重试）",
        )

    def uncertain(self, message: str) -> PrinterUncertain:
        return PrinterUncertain(
            self.cfg.display, message, "这张单可能只打了一部分：请看打印机，确认是否已打出"
        )

    def check_ready(self, status: PrinterStatus | None) -> None:
        if status is not None and not status.ready:
            what = status.describe()
            raise self.unavailable(what, ADVICE.get(what, ""))
