"""Network printers on the raw port (9100)."""

from __future__ import annotations

import socket

from kaidan_tui.printing.transports.base import (
    DLE_EOT,
    PrinterStatus,
    Transport,
    decode_escpos_status,
    reason,
)

CHUNK = 1024


def _query(sock: socket.socket, n: int) -> int | None:
    sock.sendall(DLE_EOT + bytes((n,)))
    try:
        reply = sock.recv(1)
    except TimeoutError:
        return None
    return reply[0] if reply else None


class TcpTransport(Transport):
    kind = "tcp"

    @classmethod
    def problem(cls, cfg: object) -> str | None:
        return None if getattr(cfg, "host", "") else 'kind = "tcp" 需要填写 host'

    @property
    def where(self) -> str:
        return f"{self.cfg.host}:{self.cfg.port}"

    def deliver(self, data: bytes) -> None:
        cfg = self.cfg
        try:
            sock = socket.create_connection((cfg.host, cfg.port), timeout=cfg.timeout)
        except OSError as exc:
            raise self.unavailable(f"连不上 {self.where}（{reason(exc)}）") from None
        with sock:
            if cfg.protocol == "escpos":
                try:
                    sock.settimeout(min(cfg.timeout, 1.0))
                    status = decode_escpos_status(_query(sock, 1), _query(sock, 4))
                    sock.settimeout(cfg.timeout)
                except OSError as exc:
                    raise self.unavailable(f"查询状态时断开（{reason(exc)}）") from None
                self.check_ready(status)
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
                    raise self.uncertain(f"发送中途超时（已发 {sent}/{len(data)} 字节）") from None
                return  # everything was accepted; the printer just keeps the line open
            except OSError as exc:
                if sent == 0:
                    raise self.unavailable(f"发送失败（{reason(exc)}）") from None
                raise self.uncertain(f"连接中途断开（{reason(exc)}）") from None

    def status(self) -> PrinterStatus | None:
        cfg = self.cfg
        try:
            with socket.create_connection((cfg.host, cfg.port), timeout=cfg.timeout) as sock:
                if cfg.protocol != "escpos":
                    return None
                sock.settimeout(min(cfg.timeout, 1.0))
                return decode_escpos_status(_query(sock, 1), _query(sock, 4))
        except OSError:
            return PrinterStatus(online=False)
