"""Getting bytes to a printer, and asking it whether it can print.

Two failures matter to the spool, and they are told apart here:

- :class:`PrinterUnavailable`: nothing reached the printer (refused, unplugged, offline,
  paper out). The job stays pending and is retried; no slip is lost or doubled.
- :class:`PrinterUncertain`: the connection dropped after some bytes left. Part of the
  slip may be on paper; the clerk is asked, and a second copy is only ever a 补打.

Connections: a file (the demo default), TCP raw port 9100, a USB ``lp`` device file
(parallel-port status via ``LPGETSTATUS``) or a USB vendor/product id and serial ports
through python-escpos, and a CUPS raw queue through ``lp``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kaidan_tui.printing.config import PrinterConfig

DLE_EOT = b"\x10\x04"
LPGETSTATUS = 0x060B
CHUNK = 1024


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


def decode_lp_status(value: int) -> PrinterStatus:
    """Linux ``LPGETSTATUS``: 0x20 paper out, 0x10 selected (online), 0x08 no-error."""
    return PrinterStatus(
        online=bool(value & 0x10), paper_out=bool(value & 0x20), error=not value & 0x08
    )


def _unavailable(cfg: PrinterConfig, message: str, advice: str = "") -> PrinterUnavailable:
    return PrinterUnavailable(
        cfg.name, message, advice or "请检查电源、连线和网络，打印任务会自动重试（Ctrl+R 立即重试）"
    )


def _uncertain(cfg: PrinterConfig, message: str) -> PrinterUncertain:
    return PrinterUncertain(cfg.name, message, "这张单可能只打了一部分：请看打印机，确认是否已打出")


def _check_ready(cfg: PrinterConfig, status: PrinterStatus | None) -> None:
    if status is not None and not status.ready:
        what = status.describe()
        raise _unavailable(cfg, what, ADVICE.get(what, ""))


# -- TCP (raw port 9100) --------------------------------------------------------------


def _tcp_query(sock: socket.socket, n: int) -> int | None:
    sock.sendall(DLE_EOT + bytes((n,)))
    try:
        reply = sock.recv(1)
    except TimeoutError:
        return None
    return reply[0] if reply else None


def _send_tcp(cfg: PrinterConfig, data: bytes) -> None:
    try:
        sock = socket.create_connection((cfg.host, cfg.port), timeout=cfg.timeout)
    except OSError as exc:
        raise _unavailable(cfg, f"连不上 {cfg.where}（{_reason(exc)}）") from None
    with sock:
        if cfg.protocol == "escpos":
            try:
                sock.settimeout(min(cfg.timeout, 1.0))
                status = decode_escpos_status(_tcp_query(sock, 1), _tcp_query(sock, 4))
                sock.settimeout(cfg.timeout)
            except OSError as exc:
                raise _unavailable(cfg, f"查询状态时断开（{_reason(exc)}）") from None
            _check_ready(cfg, status)
        sent = 0
        try:
            while sent < len(data):
                sent += sock.send(data[sent : sent + CHUNK])
            sock.shutdown(socket.SHUT_WR)
            # A raw-port printer closes its side once it has read everything; a reset
            # instead means it dropped the job part-way.
            while sock.recv(256):
                pass
        except TimeoutError:
            if sent < len(data):
                raise _uncertain(cfg, f"发送中途超时（已发 {sent}/{len(data)} 字节）") from None
            return  # everything was accepted; the printer just keeps the line open
        except OSError as exc:
            if sent == 0:
                raise _unavailable(cfg, f"发送失败（{_reason(exc)}）") from None
            raise _uncertain(cfg, f"连接中途断开（{_reason(exc)}）") from None


def _reason(exc: OSError) -> str:
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


# -- files and lp device files ----------------------------------------------------------


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


def _is_device(path: str) -> bool:
    with contextlib.suppress(OSError):
        return stat.S_ISCHR(os.stat(path).st_mode)
    return False


def _send_file(cfg: PrinterConfig, data: bytes) -> None:
    path = cfg.path or cfg.device
    device = _is_device(path)
    if device:
        _check_ready(cfg, lp_status(path))
    plain_file = cfg.kind == "file" and not device  # only a file printer may create its file
    try:
        if plain_file:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | (os.O_CREAT | os.O_APPEND if plain_file else 0)
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        raise _unavailable(cfg, f"打不开 {path}（{_reason(exc)}）") from None
    sent = 0
    try:
        while sent < len(data):
            sent += os.write(fd, data[sent:])
        if plain_file:
            os.fsync(fd)
    except OSError as exc:
        if sent == 0:
            raise _unavailable(cfg, f"写不进 {path}（{_reason(exc)}）") from None
        raise _uncertain(cfg, f"写到一半出错（{_reason(exc)}）") from None
    finally:
        os.close(fd)


# -- python-escpos connections (USB by id, serial) ---------------------------------------


def _library_printer(cfg: PrinterConfig) -> Any:
    from kaidan_tui.printing.receipt import load_escpos

    printers = load_escpos()
    if cfg.kind == "serial":
        return printers.Serial(devfile=cfg.device, baudrate=cfg.baudrate, timeout=cfg.timeout)
    return printers.Usb(cfg.vendor_id, cfg.product_id, timeout=int(cfg.timeout * 1000))


def _send_library(cfg: PrinterConfig, data: bytes) -> None:
    try:
        printer = _library_printer(cfg)
        printer.open()
    except Exception as exc:  # the library raises its own and pyusb/pyserial errors
        raise _unavailable(cfg, f"打不开 {cfg.where}（{exc}）") from None
    try:
        if cfg.protocol == "escpos":
            status = None
            with contextlib.suppress(Exception):  # a printer that cannot answer: unknown
                online = printer.query_status(DLE_EOT + b"\x01")
                paper = printer.query_status(DLE_EOT + b"\x04")
                status = decode_escpos_status(
                    online[0] if online else None, paper[0] if paper else None
                )
            _check_ready(cfg, status)
        try:
            printer._raw(data)
        except Exception as exc:
            raise _uncertain(cfg, f"发送中出错（{exc}）") from None
    finally:
        with contextlib.suppress(Exception):
            printer.close()


# -- CUPS raw queue ---------------------------------------------------------------------


def _send_cups(cfg: PrinterConfig, data: bytes) -> None:
    lp = shutil.which("lp")
    if lp is None:
        raise _unavailable(
            cfg, "本机没有 CUPS 的 lp 命令", "请安装 cups-client，或改用 tcp/usb 连接"
        )
    try:
        done = subprocess.run(
            [lp, "-d", cfg.queue, "-o", "raw"],
            input=data,
            capture_output=True,
            timeout=cfg.timeout * 4,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise _uncertain(cfg, "CUPS 没有及时回应") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip() or f"lp 退出码 {done.returncode}"
        raise _unavailable(cfg, f"CUPS 队列 {cfg.queue} 拒收：{message}")


def send(cfg: PrinterConfig, data: bytes) -> None:
    """Deliver one job, or raise :class:`PrinterUnavailable` / :class:`PrinterUncertain`."""
    if cfg.kind == "tcp":
        _send_tcp(cfg, data)
    elif cfg.kind == "cups":
        _send_cups(cfg, data)
    elif cfg.kind == "serial" or (cfg.kind == "usb" and not cfg.device):
        _send_library(cfg, data)
    else:
        _send_file(cfg, data)


def status(cfg: PrinterConfig) -> PrinterStatus | None:
    """Ask the printer before sending, where the connection allows it; ``None`` = can't tell."""
    if cfg.kind == "tcp" and cfg.protocol == "escpos":
        try:
            with socket.create_connection((cfg.host, cfg.port), timeout=cfg.timeout) as sock:
                sock.settimeout(min(cfg.timeout, 1.0))
                return decode_escpos_status(_tcp_query(sock, 1), _tcp_query(sock, 4))
        except OSError:
            return PrinterStatus(online=False)
    if cfg.kind == "tcp":
        try:
            socket.create_connection((cfg.host, cfg.port), timeout=cfg.timeout).close()
        except OSError:
            return PrinterStatus(online=False)
        return None
    if cfg.kind in ("usb", "file") and _is_device(cfg.path or cfg.device):
        return lp_status(cfg.path or cfg.device)
    if cfg.kind == "file":
        parent = Path(cfg.path).parent
        return PrinterStatus(online=parent.is_dir() or not parent.exists())
    return None
