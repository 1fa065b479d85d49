"""A raw-port (9100) printer on loopback, for spool tests.

Modes: ``accept`` (read the job to EOF, keep it, close), ``drop`` (read ``drop_after``
bytes, then reset the connection mid-job), ``offline`` / ``paper_out`` (answer the
ESC/POS status queries ``DLE EOT 1`` and ``DLE EOT 4`` accordingly). ``stop()`` closes the
listening socket, so connections are refused until ``start()`` again on the same port.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading

STATUS = {  # (DLE EOT 1 reply, DLE EOT 4 reply)
    "accept": (0x12, 0x12),
    "drop": (0x12, 0x12),
    "offline": (0x1A, 0x12),
    "paper_out": (0x12, 0x72),
}


class FakePrinter:
    def __init__(self) -> None:
        self.mode = "accept"
        self.drop_after = 200
        self.jobs: list[bytes] = []
        self.partial: list[bytes] = []
        self.connections = 0
        self.port = 0
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(8)
        self.port = server.getsockname()[1]
        self._server = server
        self._thread = threading.Thread(target=self._serve, args=(server,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            with contextlib.suppress(OSError):  # wakes the blocked accept() (Linux)
                self._server.shutdown(socket.SHUT_RDWR)
            self._server.close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _serve(self, server: socket.socket) -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                self._handle(conn)

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        online, paper = STATUS[self.mode]
        buf = bytearray()
        pos = 0
        try:
            while True:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                buf += chunk
                # Status queries come first, before any job byte.
                while buf[pos : pos + 2] == b"\x10\x04" and len(buf) >= pos + 3:
                    conn.sendall(bytes([online if buf[pos + 2] == 1 else paper]))
                    pos += 3
                if self.mode == "drop" and len(buf) - pos >= self.drop_after:
                    self.partial.append(bytes(buf[pos:]))
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return  # close with RST: the job is cut off
        except OSError:
            return
        if len(buf) > pos:
            self.jobs.append(bytes(buf[pos:]))
