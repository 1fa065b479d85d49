"""An independent reader of the bytes we send to printers, for tests.

It knows the commands of the ESC/P and ESC/POS manuals that the encoders use, skips them
(recording each one), and decodes everything else as GB18030 text — strictly, so a
character cut mid-byte fails the test. ``FF`` ends a form; ``GS V`` (cut) ends a part.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Command → number of parameter bytes that follow (fixed-length commands).
ESC_ARGS = {
    b"@": 0, b"E": 0, b"F": 0, b"P": 0, b"M": 0, b"g": 0, b"3": 1, b"J": 1, b"$": 2,
    b"W": 1, b"a": 1, b"d": 1, b"!": 1, b"l": 1, b"Q": 1, b"N": 1, b"O": 0, b"2": 0,
    b"p": 3, b"t": 1, b"R": 1, b"-": 1, b"G": 1, b"x": 1, b"k": 1,
}  # fmt: skip
FS_ARGS = {b"&": 0, b".": 0, b"W": 1, b"!": 1, b"C": 1, b"S": 2, b"-": 1}
GS_ARGS = {b"!": 1, b"B": 1, b"L": 2, b"W": 2, b"a": 1}
# ESC/POS differs from ESC/P here: ESC E n / ESC M n take a parameter.
ESCPOS_ESC_ARGS = {**ESC_ARGS, b"E": 1, b"M": 1}


@dataclass
class Chunk:
    """One form (ESC/P, ended by FF) or one part (ESC/POS, ended by a cut)."""

    rows: list[str] = field(default_factory=list)
    commands: list[bytes] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.rows)


@dataclass
class Decoded:
    chunks: list[Chunk]
    commands: list[bytes]
    """Every command in order, e.g. ``b"\\x1bC\\x21"``."""

    @property
    def text(self) -> str:
        return "\n".join(c.text for c in self.chunks)


def decode(data: bytes, protocol: str, *, encoding: str = "gb18030") -> Decoded:  # noqa: C901 — one branch per printer command
    """``protocol``: ``escp`` (dot-matrix) or ``escpos`` (receipt)."""
    esc_args = ESCPOS_ESC_ARGS if protocol == "escpos" else ESC_ARGS
    chunks: list[Chunk] = [Chunk()]
    commands: list[bytes] = []
    text = bytearray()
    i = 0

    def command(raw: bytes) -> None:
        commands.append(raw)
        chunks[-1].commands.append(raw)

    def end_row() -> None:
        chunks[-1].rows.append(text.decode(encoding, errors="strict"))
        text.clear()

    while i < len(data):
        b = data[i : i + 1]
        if b in (b"\x1b", b"\x1c", b"\x1d", b"\x10"):
            op = data[i + 1 : i + 2]
            if b == b"\x1b" and op == b"(":  # ESC ( x nL nH data…
                n = data[i + 3] | data[i + 4] << 8
                raw = data[i : i + 5 + n]
            elif b == b"\x1b" and op == b"C":  # ESC C n, or ESC C NUL n (inches)
                raw = data[i : i + 4] if data[i + 2] == 0 else data[i : i + 3]
            elif b == b"\x1d" and op == b"V":  # GS V m [n]
                raw = data[i : i + 4] if data[i + 2] in (65, 66) else data[i : i + 3]
            elif b == b"\x10" and op == b"\x04":  # DLE EOT n
                raw = data[i : i + 3]
            else:
                table = {b"\x1b": esc_args, b"\x1c": FS_ARGS, b"\x1d": GS_ARGS}.get(b, {})
                if op not in table:
                    raise ValueError(f"unknown command {data[i : i + 2]!r} at byte {i}")
                raw = data[i : i + 2 + table[op]]
            command(raw)
            i += len(raw)
            if raw.startswith(b"\x1dV"):
                if text:
                    end_row()
                chunks.append(Chunk())
            continue
        if b == b"\r":
            i += 1
            continue
        if b == b"\n":
            end_row()
            i += 1
            continue
        if b == b"\x0c":
            if text:
                end_row()
            command(b"\x0c")
            chunks.append(Chunk())
            i += 1
            continue
        if data[i] < 0x20 or data[i] == 0x7F:
            raise ValueError(f"stray control byte {data[i]:#04x} at {i}")
        text += b
        i += 1
    if text:
        end_row()
    return Decoded([c for c in chunks if c.rows or c.commands], commands)


def columns(row: str) -> int:
    """Printed width: one column per ASCII byte, two per multi-byte character."""
    return sum(1 if ord(c) < 0x80 else 2 for c in row)
