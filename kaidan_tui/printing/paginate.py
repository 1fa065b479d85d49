"""Items onto forms: a slip longer than one form goes on over several, each item whole
where it fits, and the last form keeps room for the totals."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Piece:
    """The rows of one item (or part of a giant item) placed on one page."""

    line: int
    rows: list[str]
    first: bool


def paginate(pieces: list[Piece], room: int, room_last: int) -> list[list[Piece]]:
    """Fill forms with items; an item moves whole to the next form unless it alone is
    taller than a form (hundreds of trace codes), then it is split by rows."""
    pages: list[list[Piece]] = [[]]
    used = 0
    for piece in pieces:
        rows, first = piece.rows, True
        while rows:
            space = room - used
            if len(rows) <= space:
                pages[-1].append(Piece(piece.line, rows, first))
                used += len(rows)
                break
            if len(rows) <= room or space == 0:
                pages.append([])
                used = 0
                continue
            pages[-1].append(Piece(piece.line, rows[:space], first))
            rows, first = rows[space:], False
            pages.append([])
            used = 0
    # The last form also carries the totals: move whole trailing items on if needed.
    if used > room_last:
        tail = pages[-1]
        moved: list[Piece] = []
        while used > room_last and len(tail) > 1 and tail[-1].first:
            piece = tail.pop()
            used -= len(piece.rows)
            moved.insert(0, piece)
        if used > room_last:  # nothing could move: the totals get a form of their own
            tail.extend(moved)
            pages.append([])
        else:
            pages.append(moved)
            if sum(len(p.rows) for p in moved) > room_last:
                pages.append([])
    return pages
