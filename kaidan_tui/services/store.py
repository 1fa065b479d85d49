"""What every slip needs from the store's set-up: ledgers, warehouses and settings.

``config(session)`` reads all three small tables in one statement, inside the caller's
transaction, and returns a parsed :class:`StoreConfig`. Parsed snapshots are cached by
the rows they were made from, so when nothing changed (almost always) no objects are
built. Because the rows themselves are read every time, a change made by another
process, another counter or raw SQL is seen by the very next transaction: there is no
cache to go stale and nothing to invalidate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from sqlalchemy import text
from sqlmodel import Session

from kaidan_tui.db.engine import Database
from kaidan_tui.domain.enums import PriceSource
from kaidan_tui.domain.pricing import DEFAULT_PRICE_ORDER, parse_price_order

STOCK_POLICY = "stock_policy"  # "warn" (default) or "block"
PRICE_ORDER = "price_order"  # e.g. "agreed,tier,list"
FREE_DISCOUNT = "free_discount"  # whole-slip discount (元) allowed without a supervisor


@dataclass(frozen=True, slots=True)
class LedgerInfo:
    """账套: the legal entity whose header (表头) a slip is printed under."""

    id: int
    code: str
    name: str
    header: str
    address: str
    phone: str
    number_format: str
    is_default: bool


@dataclass(frozen=True, slots=True)
class WarehouseInfo:
    id: int
    code: str
    name: str
    is_default: bool


_Row = tuple[str, int, str, str, str, str, str, str, int]

# One statement for all three tables; CASE keeps the UNION portable (PostgreSQL booleans).
_READ = text(
    "SELECT 'L', id, code, name, header, address, phone, number_format, "
    "CASE WHEN is_default THEN 1 ELSE 0 END FROM ledger "
    "UNION ALL SELECT 'W', id, code, name, '', '', '', '', "
    "CASE WHEN is_default THEN 1 ELSE 0 END FROM warehouse "
    "UNION ALL SELECT 'S', 0, key, value, '', '', '', '', 0 FROM setting"
)


@dataclass(frozen=True, slots=True)
class StoreConfig:
    ledgers: tuple[LedgerInfo, ...]  # the default first, then by id
    warehouses: tuple[WarehouseInfo, ...]  # the default first, then by id
    settings: Mapping[str, str]

    def ledger(self, code: str) -> LedgerInfo | None:
        return next((lg for lg in self.ledgers if lg.code == code), None)

    def ledger_by_id(self, ledger_id: int) -> LedgerInfo | None:
        return next((lg for lg in self.ledgers if lg.id == ledger_id), None)

    @property
    def default_ledger(self) -> LedgerInfo | None:
        return self.ledgers[0] if self.ledgers else None

    def warehouse(self, code: str) -> WarehouseInfo | None:
        return next((wh for wh in self.warehouses if wh.code == code), None)

    @property
    def default_warehouse(self) -> WarehouseInfo | None:
        return self.warehouses[0] if self.warehouses else None

    def setting(self, key: str, default: str = "") -> str:
        return self.settings.get(key, default)

    @property
    def stock_blocks(self) -> bool:
        return self.setting(STOCK_POLICY, "warn") == "block"

    @property
    def price_order(self) -> tuple[PriceSource, ...]:
        return _price_order(self.setting(PRICE_ORDER, ""))


@lru_cache(maxsize=16)
def _price_order(value: str) -> tuple[PriceSource, ...]:
    """Parsed once per value: every line of every slip asks for it."""
    return parse_price_order(value) if value else DEFAULT_PRICE_ORDER


@lru_cache(maxsize=16)
def _parse(rows: tuple[_Row, ...]) -> StoreConfig:
    ledgers = [
        LedgerInfo(r[1], r[2], r[3], r[4], r[5], r[6], r[7], bool(r[8]))
        for r in rows
        if r[0] == "L"
    ]
    warehouses = [WarehouseInfo(r[1], r[2], r[3], bool(r[8])) for r in rows if r[0] == "W"]
    ledgers.sort(key=lambda lg: (not lg.is_default, lg.id))
    warehouses.sort(key=lambda wh: (not wh.is_default, wh.id))
    settings = {r[2]: r[3] for r in rows if r[0] == "S"}
    return StoreConfig(tuple(ledgers), tuple(warehouses), MappingProxyType(settings))


def config(session: Session) -> StoreConfig:
    """The store's ledgers, warehouses and settings as of this transaction."""
    session.flush()  # rows added through the ORM in this transaction count too (cheap if clean)
    rows = session.connection().execute(_READ).all()
    return _parse(tuple(sorted(tuple(r) for r in rows)))


def default_warehouse(db: Database) -> str:
    """The default warehouse's code (what a slip goes out of unless told), or ""."""
    with db.read() as session:
        found = config(session).default_warehouse
    return found.code if found is not None else ""
