"""``kaidan audit verify``: the audit chain and every customer's kept balance, checked."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kaidan_tui.db.engine import Database
from kaidan_tui.db.queries.accounts import check_balances
from kaidan_tui.services import pepper
from kaidan_tui.services.audit import ChainReport, verify_chain


@dataclass(frozen=True)
class Verified:
    chain: ChainReport
    expected_pepper: str | None
    """The fingerprint of the pepper the store was keyed with (None: never keyed)."""
    balances: list[tuple[str, Decimal, Decimal]]
    """Customers whose kept balance differs from their slips: code, kept, recomputed."""


def verify(db: Database, key: bytes | None) -> Verified:
    with db.read() as session:
        return Verified(
            verify_chain(session, key), pepper.expected(session), check_balances(session)
        )
